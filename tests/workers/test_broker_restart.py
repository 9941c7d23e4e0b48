"""RabbitMQ restarted during a batch of scans: every scan still completes, none twice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.context import AppContext
from api.db import session_scope
from api.main import create_app
from api.scans.models import ScanEvent
from api.settings import Settings
from tests.api.analyser.fake_openai import FakeOpenAI
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, wait_for_scan
from tests.conftest import clear_tables
from tests.support import services
from tests.workers import rabbitmq_node
from tests.workers.support import CeleryWorker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def node() -> Iterator[rabbitmq_node.RabbitNode]:
    reason = rabbitmq_node.available()
    if reason:
        services.unavailable("a throwaway RabbitMQ node", "localhost", reason)
    started = rabbitmq_node.RabbitNode()
    try:
        started.start()
        yield started
    finally:
        started.destroy()


def test_broker_restart_during_a_batch_loses_nothing(
    node: rabbitmq_node.RabbitNode, stack_values: dict[str, Any], make_settings: Callable[..., Settings],
    fake_openai: FakeOpenAI, tmp_path: Path,
) -> None:  # fmt: skip
    values = {**stack_values, "broker_url": node.url}
    worker = CeleryWorker(values, tmp_path, concurrency=4).start()
    ctx = AppContext.from_settings(make_settings(**values))
    fake_openai.slow_seconds = 1.0
    fake_openai.script(*["slow"] * 12)
    try:
        with TestClient(create_app(context=ctx)) as api:
            headers = login(api, "restart")
            ids = []
            for seed in range(12):
                files = {"image": ("x.jpg", imagegen.unique_jpeg(500 + seed), "image/jpeg")}
                response = api.post("/api/v1/scans", files=files, headers=headers)
                assert response.status_code == 202
                ids.append(response.json()["id"])
            assert wait_for(lambda: fake_openai.count >= 2, timeout=20), worker.log()
            node.restart()
            results = [wait_for_scan(api, headers, scan_id, timeout=60) for scan_id in ids]
            assert [r["status"] for r in results] == ["done"] * 12, worker.log()[-3000:]
            with session_scope(ctx.session_factory) as session:
                done = session.scalar(
                    select(func.count()).select_from(ScanEvent).where(ScanEvent.stage == "done")
                )
            assert done == 12
    finally:
        worker.stop()
        ctx.scans.close()
        clear_tables(ctx)
        ctx.close()
