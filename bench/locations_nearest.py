"""Benchmark: nearest-10 collection points at 10k / 100k / 1M points, PostgreSQL and SQLite.

Measures the product's own query (`api.locations.repository.nearest`, i.e. index prefilter +
exact haversine + loading the 10 rows) with and without the spatial index, and prints p50/p95.
Results go in docs/benchmarks.md ("Nearest recycling points"). Not part of the test suite.

    PYTHONPATH=. python bench/locations_nearest.py --sizes 10000,100000,1000000
    PYTHONPATH=. python bench/locations_nearest.py --backends postgresql --sizes 1000000

PostgreSQL: a throwaway database is created on the server of --postgres-url (default: the
test server, postgresql://postgres@127.0.0.1:5432/test) and dropped afterwards; rows are
loaded with COPY, indexes built after loading. SQLite: a temporary file, executemany batches.
Points: half spread over mainland Korea, half clustered around Seoul (σ ≈ 17 km) so that
queries in Seoul see realistic (worst-case) density; queries: 80 % in Seoul, 20 % elsewhere.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from api import migrate
from api.db import create_db_engine
from api.locations import repository

SEOUL = (37.5663, 126.9779)
COLUMNS = "id, type, accepted_categories, name, lat, lng, source, source_key, created_at, updated_at"


def points(count: int, seed: int = 7) -> Iterator[tuple[float, float]]:
    rng = random.Random(seed)
    for i in range(count):
        if i % 2:
            yield rng.uniform(34.6, 38.2), rng.uniform(126.4, 129.4)
        else:
            yield rng.gauss(SEOUL[0], 0.15), rng.gauss(SEOUL[1], 0.19)


def queries(count: int, seed: int = 11) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        if i % 5:
            out.append((rng.gauss(SEOUL[0], 0.08), rng.gauss(SEOUL[1], 0.1)))
        else:
            out.append((rng.uniform(35.0, 37.8), rng.uniform(126.8, 129.0)))
    return out


def load_postgres(server_url: str, count: int) -> tuple[str, float]:
    import psycopg

    name = f"waste_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    migrate.upgrade(url.replace("postgresql://", "postgresql+psycopg://", 1))
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute("DROP INDEX ix_collection_points_earth")
        conn.execute("DROP INDEX ix_collection_points_lat_lng")
        with conn.cursor() as cur, cur.copy(f"COPY collection_points ({COLUMNS}) FROM STDIN") as copy:
            for i, (lat, lng) in enumerate(points(count)):
                stamp = "2026-11-30T00:00:00Z"
                row = (uuid.uuid4(), "street_recycling_bin", ",paper,", f"p{i}", lat, lng, "bench", str(i))
                copy.write_row((*row, stamp, stamp))
        conn.execute("CREATE INDEX ix_collection_points_lat_lng ON collection_points (lat, lng)")
        conn.execute(
            "CREATE INDEX ix_collection_points_earth ON collection_points USING gist (ll_to_earth(lat, lng))"
        )
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE collection_points")
    return url, time.perf_counter() - started


def drop_postgres(server_url: str, url: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def load_sqlite(path: Path, count: int) -> tuple[str, float]:
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    started = time.perf_counter()
    engine = create_db_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_collection_points_lat_lng"))
        batch: list[dict[str, object]] = []
        insert = text(
            f"INSERT INTO collection_points ({COLUMNS}) VALUES (:id, 'street_recycling_bin', ',paper,',"
            " :name, :lat, :lng, 'bench', :key, '2026-11-30 00:00:00', '2026-11-30 00:00:00')"
        )
        for i, (lat, lng) in enumerate(points(count)):
            batch.append({"id": uuid.uuid4().hex, "name": f"p{i}", "lat": lat, "lng": lng, "key": str(i)})
            if len(batch) == 50_000:
                conn.execute(insert, batch)
                batch.clear()
        if batch:
            conn.execute(insert, batch)
        conn.execute(text("CREATE INDEX ix_collection_points_lat_lng ON collection_points (lat, lng)"))
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return url, time.perf_counter() - started


def measure(
    engine: Engine, qs: list[tuple[float, float]], *, radius_m: int, prepare: Callable[[Session], None]
) -> list[float]:
    timings = []
    with Session(engine) as session:
        prepare(session)
        repository.nearest(session, lat=qs[0][0], lng=qs[0][1], radius_m=radius_m, limit=10)  # warm-up
        for lat, lng in qs:
            started = time.perf_counter()
            found = repository.nearest(session, lat=lat, lng=lng, radius_m=radius_m, limit=10)
            timings.append((time.perf_counter() - started) * 1000)
            assert len(found) <= 10
    return timings


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


def run(backend: str, count: int, args: argparse.Namespace) -> list[str]:
    qs = queries(args.queries)
    slow_qs = qs[: min(30, max(10, args.queries // 10))]
    tmp = tempfile.TemporaryDirectory()
    if backend == "postgresql":
        url, load_s = load_postgres(args.postgres_url, count)
        engine = create_db_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    else:
        url, load_s = load_sqlite(Path(tmp.name) / "bench.db", count)
        engine = create_db_engine(url)
    try:
        indexed = measure(engine, qs, radius_m=args.radius, prepare=lambda s: None)
        if backend == "postgresql":

            def no_index(session: Session) -> None:
                session.execute(text("SET enable_indexscan = off"))
                session.execute(text("SET enable_bitmapscan = off"))

            plain = measure(engine, slow_qs, radius_m=args.radius, prepare=no_index)
        else:
            with engine.begin() as conn:
                conn.execute(text("DROP INDEX ix_collection_points_lat_lng"))
            plain = measure(engine, slow_qs, radius_m=args.radius, prepare=lambda s: None)
    finally:
        engine.dispose()
        if backend == "postgresql":
            drop_postgres(args.postgres_url, url)
        tmp.cleanup()
    ratio = statistics.median(plain) / statistics.median(indexed)
    return [
        f"| {backend} | {count:,} | {load_s:.1f} s | {pct(indexed, 50):.2f} | {pct(indexed, 95):.2f} "
        f"| {pct(plain, 50):.1f} | {pct(plain, 95):.1f} | {ratio:.0f}x |"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--queries", type=int, default=300, help="indexed queries per case")
    parser.add_argument("--radius", type=int, default=2000, help="search radius in metres")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("WASTE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    slow = min(30, max(10, args.queries // 10))
    print(f"nearest-10 within {args.radius} m; {args.queries} indexed queries, {slow} without the index")
    print("| backend | points | load + index | p50 ms | p95 ms | no-index p50 ms | no-index p95 ms | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for backend in args.backends.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            for line in run(backend, size, args):
                print(line, flush=True)


if __name__ == "__main__":
    main()
