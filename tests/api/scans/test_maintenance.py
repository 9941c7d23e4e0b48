"""Beat housekeeping: purge expired uploads and images, find stuck scans, daily aggregates."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.db import session_scope, utcnow
from api.scans import maintenance
from api.scans.models import Scan, ScanDailyStat
from api.scans.runtime import ScanRuntime
from api.tasks.names import QueueName, TaskName
from api.uploads.models import Upload
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, upload, wait_for_scan
from workers.celery_app import BEAT_SCHEDULE, TASK_ROUTES


def _user_id(client: TestClient, headers: dict[str, str]) -> uuid.UUID:
    return uuid.UUID(client.get("/api/v1/users/me", headers=headers).json()["id"])


def test_purge_removes_unconfirmed_uploads_and_old_images(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    ctx = client.app.state.context  # type: ignore[attr-defined]
    headers = login(client)
    used = upload(client, headers, imagegen.jpeg())
    abandoned = upload(client, headers, imagegen.jpeg())
    created = client.post("/api/v1/scans", json={"upload_key": used, "note": "신문지"}, headers=headers)
    wait_for_scan(client, headers, created.json()["id"])

    # Nothing is old yet.
    purge = {"session_factory": ctx.session_factory, "storage": ctx.storage, "settings": ctx.settings}
    assert maintenance.purge_expired(**purge) == {"uploads": 0, "images": 0}
    later = utcnow() + timedelta(days=31)
    assert maintenance.purge_expired(**purge, now=later) == {"uploads": 1, "images": 1}
    assert ctx.storage.head(abandoned) is None and ctx.storage.head(used) is None
    with session_scope(ctx.session_factory) as session:
        assert session.get(Upload, abandoned) is None
        assert session.get(Upload, used).confirmed_at is not None  # confirmed uploads keep their row
        scan = session.scalars(select(Scan)).one()
        assert scan.image_key == "" and scan.result is not None  # the result outlives the image
    assert maintenance.purge_expired(**purge, now=later) == {"uploads": 0, "images": 0}


def test_stuck_scans_are_found_once_per_sweep(make_client: Callable[..., TestClient]) -> None:
    client = make_client(scan_stuck_minutes=10)
    ctx = client.app.state.context  # type: ignore[attr-defined]
    user_id = _user_id(client, login(client))
    old = utcnow() - timedelta(minutes=30)
    with session_scope(ctx.session_factory) as session:
        queued = Scan(user_id=user_id, image_key="k1", image_sha256="1" * 64, status="queued", updated_at=old)
        analysis = {"provider": "offline", "model": "m", "items": []}
        grounding = Scan(
            user_id=user_id,
            image_key="k2",
            image_sha256="2" * 64,
            status="grounding",
            analysis=analysis,
            updated_at=old,
        )
        fresh = Scan(user_id=user_id, image_key="k3", image_sha256="3" * 64, status="analysing")
        done = Scan(user_id=user_id, image_key="k4", image_sha256="4" * 64, status="done", updated_at=old)
        session.add_all([queued, grounding, fresh, done])
    stuck = dict(maintenance.find_stuck(session_factory=ctx.session_factory, settings=ctx.settings))
    assert stuck == {queued.id: "analyse", grounding.id: "post"}
    assert (
        maintenance.find_stuck(session_factory=ctx.session_factory, settings=ctx.settings) == []
    )  # their clock was reset


def test_daily_stats_are_recomputed_idempotently(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    ctx = client.app.state.context  # type: ignore[attr-defined]
    headers = login(client)
    for note in ("신문지", "유리병"):
        created = client.post(
            "/api/v1/scans", files={"image": ("x.jpg", imagegen.jpeg(), "image/jpeg")}, data={"note": note},
            headers=headers,
        )  # fmt: skip
        wait_for_scan(client, headers, created.json()["id"])
    today = maintenance.stats_days()[1]
    for _ in range(2):
        stat = maintenance.aggregate_daily(today, session_factory=ctx.session_factory)
    assert (stat.scans, stat.done, stat.failed, stat.cached) == (2, 2, 0, 0)
    with session_scope(ctx.session_factory) as session:
        assert len(session.scalars(select(ScanDailyStat)).all()) == 1


def test_beat_schedule_and_routes() -> None:
    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert tasks == {
        TaskName.requeue_stuck,
        TaskName.purge_expired,
        TaskName.purge_auth,
        TaskName.daily_stats,
    }
    assert all(task.startswith("maintenance.") for task in tasks)
    assert TASK_ROUTES["maintenance.*"]["queue"] == QueueName.batch
    assert TASK_ROUTES[TaskName.scan_analyse]["queue"] == QueueName.scan_analyse


def test_a_scan_redelivered_too_often_fails_as_poison(make_client: Callable[..., TestClient]) -> None:
    import pytest

    from api.analyser.base import PermanentAnalyserError
    from api.scans import pipeline

    client = make_client(scan_max_attempts=3)
    ctx = client.app.state.context  # type: ignore[attr-defined]
    user_id = _user_id(client, login(client))
    with session_scope(ctx.session_factory) as session:
        scan = Scan(user_id=user_id, image_key="k", image_sha256="5" * 64, status="analysing", attempts=3)
        session.add(scan)
    with pytest.raises(PermanentAnalyserError) as caught:
        pipeline.analyse(ScanRuntime.from_context(ctx), scan.id)
    assert caught.value.code == "too_many_attempts"


def test_embedded_poll_reruns_a_scan_orphaned_by_a_restart(make_client: Callable[..., TestClient]) -> None:
    """No beat on the embedded profile: polling a scan stuck past the threshold runs it again."""
    from api.uploads.images import process_image

    client = make_client(scan_stuck_minutes=1)
    ctx = client.app.state.context  # type: ignore[attr-defined]
    headers = login(client)
    image = process_image(
        imagegen.jpeg(),
        max_bytes=10**7,
        max_pixels=10**8,
        max_side=1024,
        max_decode_bytes=2**27,
        budget_bytes=2**28,
    )
    ctx.storage.put("scans/orphan.jpg", image.data, "image/jpeg")
    with session_scope(ctx.session_factory) as session:
        scan = Scan(
            user_id=_user_id(client, headers), image_key="scans/orphan.jpg", image_sha256=image.sha256,
            status="analysing", note="유리병", updated_at=utcnow() - timedelta(minutes=5),
        )  # fmt: skip
        session.add(scan)
    result = wait_for_scan(client, headers, str(scan.id))
    assert result["status"] == "done" and result["result"]["items"][0]["category_id"] == "glass"
    assert not maintenance.claim_if_stuck(scan.id, session_factory=ctx.session_factory, settings=ctx.settings)
