"""The model hangs: every call times out on the client side, the scans are retried, no worker sticks.

The fake provider holds each "timeout" request far longer than `openai_timeout_seconds`; the worker
must give up on the call, retry it (the next answer is fine), and have its whole capacity free
afterwards, not threads still waiting on a socket.
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

CONCURRENCY = 4


def test_a_hanging_model_times_out_and_the_scans_finish(
    stack_values: dict[str, Any], stack: Callable[..., Any], fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    assert stack_values["openai_timeout_seconds"] <= 1.0
    fake_openai.timeout_seconds = 20.0  # "hangs": 20x the client's timeout
    fake_openai.script(*["timeout"] * CONCURRENCY)
    worker = CeleryWorker(stack_values, tmp_path, concurrency=CONCURRENCY).start()
    try:
        with stack(stack_values) as (api, ctx):
            headers = login(api, "hang")
            ids = submit_many(api, headers, CONCURRENCY * 2)
            assert wait_all(api, headers, ids, timeout=60) == ["done"] * len(ids), worker.log()[-3000:]
            assert_done_once(ctx, ids)
            # each hung call was abandoned and retried once: one extra call per hang, no more
            assert fake_openai.count == len(ids) + CONCURRENCY
            assert wait_for(lambda: worker_idle(ctx), timeout=30), worker.log()[-3000:]
    finally:
        fake_openai.timeout_seconds = 5.0
        worker.stop()
