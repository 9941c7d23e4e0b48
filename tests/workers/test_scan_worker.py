"""Scans through a real Celery worker on RabbitMQ with a fake OpenAI: retries, failures, DLQs, load."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.db import session_scope
from api.scans.models import Scan, ScanEvent
from api.tasks.names import WORK_QUEUES, QueueName, TaskName, dlq_name
from tests.api.analyser.fake_openai import FakeOpenAI
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, wait_for_scan
from tests.support.processes import wait_for
from tests.workers.support import CeleryWorker, purge, queue_depth

ANALYSE_DLQ = dlq_name(QueueName.scan_analyse)

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture(scope="module")
def worker(stack_values: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[CeleryWorker]:
    started = CeleryWorker(stack_values, Path(tmp_path_factory.mktemp("worker")), concurrency=16).start()
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def _empty_dlqs(worker: CeleryWorker, broker_url: str) -> None:
    purge(broker_url, *(dlq_name(q) for q in WORK_QUEUES))


def _scan(api: TestClient, headers: dict[str, str], seed: int, note: str | None = None) -> str:
    data = {"note": note} if note else {}
    files = {"image": ("x.jpg", imagegen.unique_jpeg(seed), "image/jpeg")}
    response = api.post("/api/v1/scans", files=files, data=data, headers=headers)
    assert response.status_code == 202, response.text
    scan_id: str = response.json()["id"]
    return scan_id


def _row(api: TestClient, scan_id: str) -> Scan:
    with session_scope(api.app.state.context.session_factory) as session:  # type: ignore[attr-defined]
        scan = session.get(Scan, uuid.UUID(scan_id))
        assert scan is not None
        return scan


def test_topology_declares_a_dlq_per_queue(worker: CeleryWorker, broker_url: str) -> None:
    for queue in WORK_QUEUES:
        assert queue_depth(broker_url, queue) >= 0
        assert queue_depth(broker_url, dlq_name(queue)) == 0


def test_scan_done_through_the_worker(api: TestClient, fake_openai: FakeOpenAI) -> None:
    headers = login(api)
    scan = wait_for_scan(api, headers, _scan(api, headers, 1, "음료수 병"), timeout=20)
    assert scan["status"] == "done", scan
    result = scan["result"]
    assert result["provider"] == "openai" and result["model"] == "gpt-4o"
    assert result["usage"] == {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160}
    assert result["items"][0]["category_id"] == "pet_clear" and result["items"][0]["steps"]
    assert fake_openai.problems == [] and fake_openai.count == 1


def test_rate_limited_three_times_then_success(api: TestClient, fake_openai: FakeOpenAI) -> None:
    fake_openai.script("429", "429", "429")
    headers = login(api)
    scan_id = _scan(api, headers, 2)
    scan = wait_for_scan(api, headers, scan_id, timeout=30)
    assert scan["status"] == "done", scan
    assert fake_openai.count == 4
    assert _row(api, scan_id).attempts == 4


def test_timeout_is_retried(api: TestClient, fake_openai: FakeOpenAI) -> None:
    fake_openai.timeout_seconds = 2.0
    fake_openai.script("timeout", "500")
    headers = login(api)
    scan = wait_for_scan(api, headers, _scan(api, headers, 3), timeout=30)
    assert scan["status"] == "done", scan
    assert [r["behaviour"] for r in fake_openai.requests] == ["timeout", "500", "ok"]


def test_invalid_json_after_repair_fails_into_the_dlq(
    api: TestClient, fake_openai: FakeOpenAI, broker_url: str
) -> None:
    fake_openai.script("invalid_json", "invalid_json")
    headers = login(api)
    scan_id = _scan(api, headers, 4)
    scan = wait_for_scan(api, headers, scan_id, timeout=20)
    assert scan["status"] == "failed"
    assert scan["failure"]["code"] == "invalid_output"
    assert "repair" in scan["failure"]["reason"]
    assert fake_openai.count == 2
    assert wait_for(lambda: queue_depth(broker_url, ANALYSE_DLQ) == 1, timeout=10)


def test_quota_exhausted_is_permanent(api: TestClient, fake_openai: FakeOpenAI, broker_url: str) -> None:
    fake_openai.script("quota")
    headers = login(api)
    scan = wait_for_scan(api, headers, _scan(api, headers, 5), timeout=20)
    assert (scan["status"], scan["failure"]["code"]) == ("failed", "quota_exhausted")
    assert fake_openai.count == 1
    assert wait_for(lambda: queue_depth(broker_url, ANALYSE_DLQ) == 1, timeout=10)


def test_identical_image_reuses_the_analysis(api: TestClient, fake_openai: FakeOpenAI) -> None:
    headers = login(api)
    first = wait_for_scan(api, headers, _scan(api, headers, 6), timeout=20)
    second_id = _scan(api, headers, 6)
    second = wait_for_scan(api, headers, second_id, timeout=20)
    assert first["status"] == second["status"] == "done"
    assert fake_openai.count == 1
    assert second["result"]["cached"] is True and first["result"]["cached"] is False
    assert _row(api, second_id).cached_from == uuid.UUID(first["id"])


def test_fifty_concurrent_scans_none_lost_or_duplicated(api: TestClient, fake_openai: FakeOpenAI) -> None:
    headers = login(api)
    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(lambda seed: _scan(api, headers, 100 + seed), range(50)))
    assert len(set(ids)) == 50
    results = [wait_for_scan(api, headers, scan_id, timeout=60) for scan_id in ids]
    assert all(result["status"] == "done" for result in results)
    assert fake_openai.problems == []
    with session_scope(api.app.state.context.session_factory) as session:  # type: ignore[attr-defined]
        done_events = session.scalar(
            select(func.count()).select_from(ScanEvent).where(ScanEvent.stage == "done")
        )
        assert done_events == 50
        assert session.scalar(select(func.count()).select_from(Scan)) == 50
        attempts = list(session.scalars(select(Scan.attempts)))
    # One model call per recorded analysis attempt: on a loaded machine a call can pass the tests'
    # 1 s model timeout and be retried (counted in `attempts`); a duplicate delivery would not be.
    assert all(n >= 1 for n in attempts)
    assert fake_openai.count == sum(attempts)


def test_beat_requeues_a_stuck_scan(api: TestClient, fake_openai: FakeOpenAI) -> None:
    """A scan whose message never made it (e.g. the broker was down at submit) is picked up by beat."""
    from datetime import timedelta

    from api.db import utcnow
    from api.uploads.images import process_image

    ctx = api.app.state.context  # type: ignore[attr-defined]
    headers = login(api)
    user_id = uuid.UUID(api.get("/api/v1/users/me", headers=headers).json()["id"])
    image = process_image(
        imagegen.unique_jpeg(9),
        max_bytes=10**7,
        max_pixels=10**8,
        max_side=1024,
        max_decode_bytes=2**27,
        budget_bytes=2**28,
    )
    ctx.storage.put("scans/stuck.jpg", image.data, "image/jpeg")
    with session_scope(ctx.session_factory) as session:
        stuck = Scan(
            user_id=user_id, image_key="scans/stuck.jpg", image_sha256=image.sha256, status="queued",
            updated_at=utcnow() - timedelta(hours=1),
        )  # fmt: skip
        session.add(stuck)
    celery = ctx.dispatcher.app
    assert celery.send_task(TaskName.requeue_stuck, ignore_result=False).get(timeout=20) == 1
    scan = wait_for_scan(api, headers, str(stuck.id), timeout=20)
    assert scan["status"] == "done" and fake_openai.count == 1
    stats = celery.send_task(TaskName.daily_stats, ignore_result=False).get(timeout=20)
    assert stats[-1]["done"] >= 1


def _duplicate_dead_letter(broker_url: str, queue: str) -> None:
    """Leave two identical copies of the one dead letter in `<queue>.dlq`, as a replay that crashed
    between its publish and its ack and was run again would move the same message twice."""
    from kombu import Connection, Exchange, Producer

    with Connection(broker_url, transport_options={"confirm_publish": True}) as conn:
        channel = conn.default_channel
        message = channel.basic_get(dlq_name(queue), no_ack=False)
        assert message is not None
        producer = Producer(channel, exchange=Exchange("waste.dlx", type="direct", durable=True))
        for _copy in range(2):
            producer.publish(
                message.body, routing_key=queue, headers=dict(message.headers),
                content_type=message.content_type, content_encoding=message.content_encoding,
                serializer=None, delivery_mode=2,
            )  # fmt: skip
        channel.basic_ack(message.delivery_tag)


def _stages(api: TestClient, scan_id: str) -> list[tuple[int, str]]:
    with session_scope(api.app.state.context.session_factory) as session:  # type: ignore[attr-defined]
        rows = session.execute(
            select(ScanEvent.round, ScanEvent.stage)
            .where(ScanEvent.scan_id == uuid.UUID(scan_id))
            .order_by(ScanEvent.id)
        )
        return [(int(r), str(s)) for r, s in rows]


def _replay(broker_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> int:
    import json

    from wastectl.app import main

    monkeypatch.setenv("WASTE_BROKER_URL", broker_url)
    with pytest.raises(SystemExit) as exited:
        main(["queues", "dlq", "replay", QueueName.scan_analyse, "-o", "json"])
    out, err = capsys.readouterr()
    assert exited.value.code in (0, None), err
    replayed: int = json.loads(out)["data"]["replayed"]
    return replayed


def test_dlq_replay_reopens_the_failed_scan_once(
    worker: CeleryWorker,
    api: TestClient,
    fake_openai: FakeOpenAI,
    broker_url: str,
    *,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """quota -> failed + DLQ; replayed too early (429, retried, quota again) -> failed + DLQ again;
    the account is topped up; replayed again -> done, with one analysis, every round on the events."""
    # insufficient_quota; then, in the first replayed run, a retried 429 and insufficient_quota again.
    fake_openai.script("quota", "429", "quota")
    headers = login(api)
    scan_id = _scan(api, headers, 7, "음료수 병")
    failed = wait_for_scan(api, headers, scan_id, timeout=20)
    assert (failed["status"], failed["failure"]["code"]) == ("failed", "quota_exhausted")
    assert wait_for(lambda: queue_depth(broker_url, ANALYSE_DLQ) == 1, timeout=10)
    _duplicate_dead_letter(broker_url, QueueName.scan_analyse)
    assert queue_depth(broker_url, ANALYSE_DLQ) == 2
    assert _replay(broker_url, capsys, monkeypatch) == 2
    # One copy re-opens and runs the scan (429, retry, quota: failed and dead-lettered again); the
    # other copy of the same replay does nothing.
    assert wait_for(lambda: queue_depth(broker_url, ANALYSE_DLQ) == 1, timeout=20)
    assert wait_for(lambda: f"another copy of replay {_row(api, scan_id).replay_id}" in worker.log(), 10)
    row = _row(api, scan_id)
    assert (row.status, row.failure_code, row.replays, fake_openai.count) == (
        "failed",
        "quota_exhausted",
        1,
        3,
    )
    first_replay = row.replay_id

    # The fake now answers normally (its script is used up): the quota was topped up.
    assert _replay(broker_url, capsys, monkeypatch) == 1
    assert wait_for(lambda: _row(api, scan_id).status == "done", timeout=20)
    scan = wait_for_scan(api, headers, scan_id, timeout=5)
    assert scan["status"] == "done" and scan.get("failure") is None
    assert scan["result"]["items"][0]["category_id"] == "pet_clear"
    assert wait_for(lambda: queue_depth(broker_url, QueueName.scan_analyse) == 0, timeout=10)
    assert queue_depth(broker_url, ANALYSE_DLQ) == 0
    assert fake_openai.count == 4  # quota | 429, quota | one analysis
    row = _row(api, scan_id)
    assert (row.replays, row.attempts, row.failure_code, row.failure_reason) == (2, 1, None, None)
    assert row.replay_id not in (None, first_replay)
    assert _stages(api, scan_id) == [
        (0, "queued"), (0, "analysing"), (0, "failed"),
        (1, "queued"), (1, "analysing"), (1, "failed"),
        (2, "queued"), (2, "analysing"), (2, "grounding"), (2, "done"),
    ]  # fmt: skip

    # An ordinary redelivery of the finished scan (no replay header) still does nothing.
    celery = api.app.state.context.dispatcher.app  # type: ignore[attr-defined]
    redelivered = celery.send_task(TaskName.scan_analyse, args=[scan_id], ignore_result=False)
    assert redelivered.get(timeout=20) == "stop"
    assert fake_openai.count == 4 and _row(api, scan_id).status == "done"
