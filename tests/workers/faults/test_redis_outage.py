"""Redis stopped and started while scans flow: Redis is off the scan path (issue 15, row 5).

Before, `send_task` subscribed to the Redis result channel before publishing (with Redis down,
nothing was published) and worker threads storing results nobody reads stayed "active" until the
worker restarted. Scan state is in PostgreSQL, so scans must keep flowing and the worker must keep
its full capacity; `/readyz` reports Redis as degraded, not the pod as unready.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.api.analyser.fake_openai import FakeOpenAI
from tests.api.scans.conftest import login
from tests.support.private_services import RedisServer
from tests.support.processes import wait_for
from tests.workers.faults.flow import assert_done_once, submit_many, wait_all, worker_idle
from tests.workers.support import CeleryWorker

CONCURRENCY = 4
BATCH = 8


def test_redis_stop_and_start_keeps_scans_flowing_and_worker_capacity(
    private_redis: RedisServer, stack_values: dict[str, Any], stack: Callable[..., Any],
    fake_openai: FakeOpenAI, tmp_path: Path,
) -> None:  # fmt: skip
    values = {**stack_values, "redis_url": private_redis.url}
    worker = CeleryWorker(values, tmp_path, concurrency=CONCURRENCY).start()
    try:
        with stack(values) as (api, ctx):
            headers = login(api, "redis")
            ids = submit_many(api, headers, BATCH)
            assert wait_all(api, headers, ids, timeout=60) == ["done"] * BATCH

            private_redis.stop()
            ready = api.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["status"] == "degraded"
            assert ready.json()["degraded"] == ["redis"]
            down = submit_many(api, headers, BATCH)
            assert wait_all(api, headers, down, timeout=60) == ["done"] * BATCH, worker.log()[-3000:]
            assert wait_for(lambda: worker_idle(ctx), timeout=30), worker.log()[-3000:]

            private_redis.start()
            assert api.get("/readyz").json()["status"] == "ok"
            after = submit_many(api, headers, BATCH * 2)
            assert wait_all(api, headers, after, timeout=60) == ["done"] * BATCH * 2
            assert wait_for(lambda: worker_idle(ctx), timeout=30), worker.log()[-3000:]

            every = ids + down + after
            assert_done_once(ctx, every)
            assert fake_openai.count == len(every)
    finally:
        worker.stop()
