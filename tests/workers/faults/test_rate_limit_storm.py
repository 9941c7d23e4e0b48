"""A storm of 429s from the model provider, then recovery: every scan finishes once, none is lost.

The provider answers `429 rate_limit_exceeded` to the first calls (more than one per scan); each is
a transient error retried with backoff, and when the storm ends every scan completes with exactly
one successful model call. The attempt limit is raised so that the storm, not the limit, is tested.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.api.analyser.fake_openai import FakeOpenAI
from tests.api.scans.conftest import login
from tests.support.processes import wait_for
from tests.workers.faults.flow import assert_done_once, submit_many, wait_all, worker_idle
from tests.workers.support import CeleryWorker

SCANS = 12
STORM = 30  # 429 answers before the provider recovers


def test_a_429_storm_then_recovery_finishes_every_scan_once(
    stack_values: dict[str, Any], stack: Callable[..., Any], fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    values = {**stack_values, "scan_max_attempts": STORM + 2}
    fake_openai.script(*["429"] * STORM)
    worker = CeleryWorker(values, tmp_path, concurrency=4).start()
    try:
        with stack(values) as (api, ctx):
            headers = login(api, "storm")
            ids = submit_many(api, headers, SCANS)
            assert wait_all(api, headers, ids, timeout=90) == ["done"] * SCANS, worker.log()[-3000:]
            assert_done_once(ctx, ids)
            behaviours = [request["behaviour"] for request in fake_openai.requests]
            assert behaviours.count("429") == STORM
            assert behaviours.count("ok") == SCANS  # one successful model call per scan
            assert wait_for(lambda: worker_idle(ctx), timeout=30)
    finally:
        worker.stop()
