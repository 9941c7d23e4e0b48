"""A worker SIGKILLed mid-task: the broker redelivers and the scan completes exactly once."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.db import session_scope
from api.scans.models import Scan, ScanEvent
from tests.api.analyser.fake_openai import FakeOpenAI
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, wait_for_scan
from tests.support.processes import wait_for
from tests.workers.faults.flow import assert_done_once, submit_many, wait_all
from tests.workers.support import CeleryWorker

pytestmark = [pytest.mark.services, pytest.mark.slow]


def test_sigkill_mid_task_is_redelivered_and_completes_once(
    api: TestClient, fake_openai: FakeOpenAI, start_worker: Callable[..., CeleryWorker]
) -> None:
    fake_openai.slow_seconds = 4.0
    fake_openai.script("slow")
    first = start_worker(concurrency=2)
    headers = login(api)
    response = api.post(
        "/api/v1/scans", files={"image": ("x.jpg", imagegen.unique_jpeg(7), "image/jpeg")}, headers=headers
    )
    scan_id = response.json()["id"]
    assert wait_for(lambda: fake_openai.count == 1, timeout=20), first.log()
    first.kill()  # mid-call: the analyse message is unacked (acks_late)

    start_worker(concurrency=2)
    scan = wait_for_scan(api, headers, scan_id, timeout=30)
    assert scan["status"] == "done", scan
    assert fake_openai.count == 2  # the redelivered task called the model again
    with session_scope(api.app.state.context.session_factory) as session:  # type: ignore[attr-defined]
        row = session.get(Scan, uuid.UUID(scan_id))
        assert row is not None and row.attempts == 2
        stages = session.scalars(
            select(ScanEvent.stage).where(ScanEvent.scan_id == row.id).order_by(ScanEvent.id)
        ).all()
    assert stages == ["queued", "analysing", "grounding", "done"]
    assert len(scan["result"]["items"]) == 1


def test_sigkill_with_a_batch_in_flight_finishes_every_scan_once(
    api: TestClient, fake_openai: FakeOpenAI, start_worker: Callable[..., CeleryWorker]
) -> None:
    """Only the calls in flight at the kill are repeated; every scan still finishes exactly once."""
    fake_openai.slow_seconds = 3.0
    fake_openai.script("slow", "slow")
    first = start_worker(concurrency=2)
    headers = login(api, "crash-batch")
    ids = submit_many(api, headers, 6)
    assert wait_for(lambda: fake_openai.count == 2, timeout=20), first.log()
    first.kill()
    start_worker(concurrency=2)
    assert wait_all(api, headers, ids, timeout=60) == ["done"] * 6
    assert_done_once(api.app.state.context, ids)  # type: ignore[attr-defined]
    assert fake_openai.count == 6 + 2  # the two calls that died with the worker were made again
