"""RabbitMQ restarted during a batch of scans: every scan completes once, none waits for the sweep.

The restart happens while scans are still being submitted, so some publishes meet a broker that is
down or a pooled connection that died with it (issue 15, row 6: those scans sat `queued` until the
stuck-scan sweep). No beat runs here, so only an immediate re-publish can finish them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.api.analyser.fake_openai import FakeOpenAI
from tests.api.scans.conftest import login
from tests.support.processes import wait_for
from tests.workers import rabbitmq_node
from tests.workers.faults.flow import assert_done_once, submit, submit_many, wait_all
from tests.workers.support import CeleryWorker

SCANS = 200


def test_broker_restart_during_200_scans_loses_none_and_needs_no_sweep(
    rabbit: rabbitmq_node.RabbitNode, stack_values: dict[str, Any], stack: Callable[..., Any],
    fake_openai: FakeOpenAI, tmp_path: Path,
) -> None:  # fmt: skip
    values = {**stack_values, "broker_url": rabbit.url}
    worker = CeleryWorker(values, tmp_path, concurrency=8).start()
    fake_openai.latency = lambda _image: 0.05
    try:
        with stack(values) as (api, ctx):
            headers = login(api, "restart")
            ids: list[str] = submit_many(api, headers, SCANS // 4)
            restarted = threading.Event()

            def restart() -> None:
                rabbit.restart()
                restarted.set()

            restarter = threading.Thread(target=restart)
            restarter.start()
            while not restarted.is_set() and len(ids) < SCANS - 20:  # publish while it is down
                ids.append(submit(api, headers))
            restarter.join(timeout=120)
            ids += submit_many(api, headers, SCANS - len(ids))
            assert len(ids) == SCANS
            statuses = wait_all(api, headers, ids, timeout=120)
            assert statuses == ["done"] * SCANS, worker.log()[-3000:]
            assert_done_once(ctx, ids)
            assert ctx.dispatcher.publisher.pending == 0  # type: ignore[attr-defined]
            assert wait_for(lambda: fake_openai.count >= SCANS, timeout=10)
            assert fake_openai.count == SCANS, "a scan called the model twice"
    finally:
        fake_openai.latency = None
        worker.stop()


def test_scans_submitted_while_the_broker_is_down_run_when_it_is_back(
    rabbit: rabbitmq_node.RabbitNode, stack_values: dict[str, Any], stack: Callable[..., Any],
    fake_openai: FakeOpenAI, tmp_path: Path,
) -> None:  # fmt: skip
    """An outage longer than any in-line retry: the API answers 202 and publishes once it is back."""
    values = {**stack_values, "broker_url": rabbit.url}
    worker = CeleryWorker(values, tmp_path, concurrency=4).start()
    try:
        with stack(values) as (api, ctx):
            headers = login(api, "outage")
            ids = [submit(api, headers)]  # the API's pooled connection exists before the outage
            assert wait_all(api, headers, ids, timeout=60) == ["done"]
            rabbit.stop()
            ids += [submit(api, headers) for _ in range(3)]
            publisher = ctx.dispatcher.publisher  # type: ignore[attr-defined]
            assert publisher.pending == 3  # answered 202; the re-publisher holds them
            rabbit.start()
            assert wait_all(api, headers, ids, timeout=90) == ["done"] * 4, worker.log()[-3000:]
            assert_done_once(ctx, ids)
            assert publisher.pending == 0
            assert fake_openai.count == 4
    finally:
        worker.stop()
