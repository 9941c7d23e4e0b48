"""The hourly auth purge runs as a beat task on a real Celery worker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth.models import OAuthStateRow
from api.db import session_scope, utcnow
from api.tasks.names import TaskName
from tests.workers.support import CeleryWorker
from workers.celery_app import BEAT_SCHEDULE

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture(scope="module")
def worker(stack_values: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[CeleryWorker]:
    started = CeleryWorker(stack_values, Path(tmp_path_factory.mktemp("worker")), concurrency=2).start()
    yield started
    started.stop()


def test_purge_auth_task_runs_on_the_worker(api: TestClient, worker: CeleryWorker) -> None:
    assert any(entry["task"] == TaskName.purge_auth for entry in BEAT_SCHEDULE.values())
    ctx = api.app.state.context  # type: ignore[attr-defined]
    stale = f"stale-{uuid.uuid4().hex}"
    with session_scope(ctx.session_factory) as session:
        session.add(
            OAuthStateRow(
                state=stale, provider="naver", payload="{}", expires_at=utcnow() - timedelta(minutes=1)
            )
        )
    result = ctx.dispatcher.app.send_task(TaskName.purge_auth, ignore_result=False).get(timeout=30)
    assert result["oauth_states"] >= 1
    with session_scope(ctx.session_factory) as session:
        assert session.get(OAuthStateRow, stale) is None
