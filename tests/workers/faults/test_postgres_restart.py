"""PostgreSQL (a private cluster) stopped and started under the API and a worker.

While it is down the API answers 503 with `Retry-After` (never a 500) and `/readyz` names the
database; once it is back the same API and worker processes serve scans again, no restart needed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from api import migrate
from tests.api.analyser.fake_openai import FakeOpenAI
from tests.api.scans import imagegen
from tests.api.scans.conftest import login
from tests.support.private_services import PostgresServer
from tests.support.processes import wait_for
from tests.workers.faults.flow import assert_done_once, submit_many, wait_all, worker_idle
from tests.workers.support import CeleryWorker

BATCH = 6


def test_postgres_restart_answers_503_then_recovers_without_restarts(
    private_postgres: PostgresServer, stack_values: dict[str, Any], stack: Callable[..., Any],
    fake_openai: FakeOpenAI, tmp_path: Path,
) -> None:  # fmt: skip
    migrate.upgrade(private_postgres.url.replace("postgresql://", "postgresql+psycopg://", 1))
    values = {**stack_values, "database_url": private_postgres.url, "db_pool_timeout_seconds": 2.0}
    worker = CeleryWorker(values, tmp_path, concurrency=4).start()
    try:
        with stack(values) as (api, ctx):
            headers = login(api, "pg")
            before = submit_many(api, headers, BATCH)
            assert wait_all(api, headers, before, timeout=60) == ["done"] * BATCH

            private_postgres.stop()
            # (Not /users/me: a checked session's profile may be answered from the cache.)
            listing = api.get("/api/v1/scans", headers=headers)
            assert listing.status_code == 503, listing.text
            assert int(listing.headers["Retry-After"]) > 0
            files = {"image": ("x.jpg", imagegen.unique_jpeg(1), "image/jpeg")}
            scan = api.post("/api/v1/scans", files=files, headers=headers)
            assert scan.status_code == 503, scan.text
            assert "Retry-After" in scan.headers
            ready = api.get("/readyz")
            assert (ready.status_code, ready.json()["failing"]) == (503, ["database"])

            private_postgres.start()
            assert wait_for(lambda: api.get("/api/v1/scans", headers=headers).status_code == 200, 30)
            after = submit_many(api, headers, BATCH)
            assert wait_all(api, headers, after, timeout=90) == ["done"] * BATCH, worker.log()[-3000:]
            assert_done_once(ctx, before + after)
            assert fake_openai.count == 2 * BATCH
            assert wait_for(lambda: worker_idle(ctx), timeout=30)
    finally:
        worker.stop()
