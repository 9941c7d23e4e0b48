"""`GET /users/me/stats` aggregation cost, and account deletion of a long scan history.

Fills a fresh database with `--users` background users (`--background` scans each) and one heavy
user with `--scans` scans spread over the last two years (1-3 result items each, ~5 % failed),
then times `api.account.stats.user_stats` for the heavy user (median/p95 of `--runs`) on PostgreSQL
and on SQLite, and one `delete_account` of the heavy user with local image files.

    .venv/bin/python bench/user_stats.py [--scans 5000] [--users 200] [--background 100]

Needs PostgreSQL on 127.0.0.1 (as the tests). Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from api import migrate
from api.account.erasure import user_data_erasers
from api.account.service import delete_account
from api.account.stats import user_stats
from api.context import AppContext
from api.db import utcnow
from api.knowledge import load_bundle
from api.scans.models import Scan
from api.settings import Settings
from api.users.models import User
from tests.support import services


def scan_rows(
    user_id: uuid.UUID, count: int, categories: list[str], rng: random.Random
) -> list[dict[str, Any]]:
    now = utcnow()
    rows = []
    for n in range(count):
        failed = rng.random() < 0.05
        items = [{"category_id": rng.choice(categories), "label": "x"} for _ in range(rng.randint(1, 3))]
        rows.append(
            {
                "id": uuid.uuid4(),
                "user_id": user_id,
                "status": "failed" if failed else "done",
                "image_key": f"scans/{user_id.hex}/{n}.jpg",
                "image_sha256": "0" * 64,
                "result": None if failed else {"items": items},
                "created_at": now - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60)),
                "updated_at": now,
            }
        )
    return rows


def fill(context: AppContext, args: argparse.Namespace) -> uuid.UUID:
    rng = random.Random(7)
    categories = load_bundle().category_ids()
    heavy = uuid.uuid4()
    with context.session_factory() as session:
        others = [uuid.uuid4() for _ in range(args.users)]
        names = [
            {"id": user_id, "nickname": f"u{n}", "created_at": utcnow()} for n, user_id in enumerate(others)
        ]
        session.execute(insert(User), [{"id": heavy, "nickname": "heavy", "created_at": utcnow()}, *names])
        for user_id in others:
            session.execute(insert(Scan), scan_rows(user_id, args.background, categories, rng))
        session.execute(insert(Scan), scan_rows(heavy, args.scans, categories, rng))
        session.commit()
    storage = context.storage
    for n in range(args.scans):
        storage.put(f"scans/{heavy.hex}/{n}.jpg", b"\xff\xd8 not really a jpeg", "image/jpeg")
    return heavy


def measure(label: str, context: AppContext, heavy: uuid.UUID, args: argparse.Namespace) -> None:
    bundle = load_bundle()
    times = []
    with context.session_factory() as session:
        for _ in range(args.runs):
            start = time.perf_counter()
            stats = user_stats(session=session, user_id=heavy, now=utcnow(), bundle=bundle)
            times.append((time.perf_counter() - start) * 1000)
        user = session.get(User, heavy)
        assert user is not None
        start = time.perf_counter()
        delete_account(session, user=user, erasers=user_data_erasers(storage=context.storage))
        deletion = time.perf_counter() - start
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"| {label} | {args.scans} | {stats.total_scans} | {statistics.median(times):.1f} ms | {p95:.1f} ms "
        f"| {deletion:.2f} s |"
    )


def run(label: str, settings: Settings, args: argparse.Namespace) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.resolved_database_url)
    context = AppContext.from_settings(settings)
    try:
        heavy = fill(context, args)
        measure(label, context, heavy, args)
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scans", type=int, default=5000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--background", type=int, default=100)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print("| database | heavy user's scans | counted | stats median | stats p95 | deletion (rows + files) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        server = services.database_server_url()
        url = services.create_postgres_database(server)
        try:
            pg = url.replace("postgresql://", "postgresql+psycopg://", 1)
            run(
                "PostgreSQL",
                Settings(_env_file=None, env="development", database_url=pg, data_dir=Path(tmp) / "pg"),
                args,
            )
        finally:
            services.drop_postgres_database(server, url)
        run("SQLite", Settings(_env_file=None, env="development", data_dir=Path(tmp) / "sqlite"), args)


if __name__ == "__main__":
    main()
