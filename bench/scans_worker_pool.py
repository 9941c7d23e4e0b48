"""Scans through a real Celery worker: which pool for the LLM-bound `scan.analyse` queue?

Starts a fake OpenAI server answering after a fixed latency (the model call dominates a scan),
then for each pool/concurrency submits N scans through the API (Celery dispatch on a private
RabbitMQ vhost, PostgreSQL, Redis) and reports throughput, latency and worker memory.

    .venv/bin/python bench/scans_worker_pool.py [--scans 100] [--latency 0.5]

Needs the services tests use (PostgreSQL, RabbitMQ, Redis on 127.0.0.1). Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from api import migrate
from api.context import AppContext
from api.db import session_scope
from api.main import create_app
from api.scans.models import Scan
from api.settings import Settings
from tests.api.analyser.fake_openai import FakeOpenAI
from tests.api.scans import imagegen
from tests.conftest import clear_tables
from tests.support import services
from tests.workers.support import CeleryWorker
from workers.dispatch import CeleryDispatcher

CONFIGS = [("threads", 4), ("threads", 16), ("threads", 32), ("prefork", 4)]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (prefork forks workers)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def run(values: dict[str, Any], fake: FakeOpenAI, pool: str, concurrency: int, scans: int) -> dict[str, Any]:
    fake.reset()
    fake.script(*["slow"] * scans)
    with tempfile.TemporaryDirectory() as logs:
        worker = CeleryWorker(values, Path(logs), pool=pool, concurrency=concurrency).start()
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        ctx = AppContext.from_settings(settings, dispatcher_factory=CeleryDispatcher)
        try:
            with TestClient(create_app(context=ctx)) as api:
                token = api.post("/api/v1/auth/dev/token", json={"nickname": "bench"}).json()["access_token"]
                headers = {"Authorization": f"Bearer {token}"}
                images = [imagegen.unique_jpeg(i) for i in range(scans)]
                started = time.perf_counter()

                def submit(data: bytes) -> None:
                    api.post("/api/v1/scans", files={"image": ("x.jpg", data, "image/jpeg")}, headers=headers)

                with ThreadPoolExecutor(8) as submitters:
                    list(submitters.map(submit, images))
                peak = 0.0
                while True:
                    peak = max(peak, rss_mb(worker.process.pid))  # type: ignore[union-attr]
                    with session_scope(ctx.session_factory) as session:
                        rows = session.scalars(select(Scan)).all()
                        if len(rows) == scans and all(r.status in ("done", "failed") for r in rows):
                            latencies = [(r.finished_at - r.created_at).total_seconds() for r in rows]
                            failed = sum(r.status == "failed" for r in rows)
                            break
                    time.sleep(0.05)
                wall = time.perf_counter() - started
        finally:
            worker.stop()
            ctx.close_dispatcher()
            clear_tables(ctx)
            ctx.close()
    quantiles = statistics.quantiles(latencies, n=20)
    return {
        "pool": pool, "concurrency": concurrency, "scans": scans, "failed": failed, "wall_s": round(wall, 2),
        "scans_per_s": round(scans / wall, 1), "p50_s": round(statistics.median(latencies), 2),
        "p95_s": round(quantiles[18], 2), "worker_rss_mb": round(peak),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scans", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.5, help="fake model latency in seconds")
    args = parser.parse_args()
    server = services.database_server_url()
    db = services.create_postgres_database(server)
    vhost = services.create_vhost(services.broker_server_url())
    broker = (
        services.with_vhost(services.broker_server_url(), vhost) if vhost else services.broker_server_url()
    )
    fake = FakeOpenAI().start()
    fake.slow_seconds = args.latency
    try:
        migrate.upgrade(db.replace("postgresql://", "postgresql+psycopg://", 1))
        with tempfile.TemporaryDirectory() as data_dir:
            values = {
                "env": "development", "rate_limits_enabled": False,  # measure throughput, not limits
                "data_dir": data_dir, "database_url": db, "broker_url": broker,
                "redis_url": services.redis_server_url(), "redis_prefix": "waste-bench:",
                "analyser": "openai",
                "openai_api_key": "sk-test", "openai_base_url": fake.base_url, "scan_daily_quota": 100_000,
                "scan_cache_ttl_seconds": 0,
            }  # fmt: skip
            print(f"{args.scans} scans, fake model latency {args.latency}s")
            print("| pool | concurrency | wall s | scans/s | p50 s | p95 s | worker RSS MB | failed |")
            print("|---|---|---|---|---|---|---|---|")
            for pool, concurrency in CONFIGS:
                r = run(values, fake, pool, concurrency, args.scans)
                cells = (
                    "pool",
                    "concurrency",
                    "wall_s",
                    "scans_per_s",
                    "p50_s",
                    "p95_s",
                    "worker_rss_mb",
                    "failed",
                )
                print("| " + " | ".join(str(r[c]) for c in cells) + " |", flush=True)
    finally:
        fake.stop()
        if vhost:
            services.delete_vhost(vhost)
        services.drop_postgres_database(server, db)


if __name__ == "__main__":
    main()
