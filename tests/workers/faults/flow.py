"""Submit scans and check how they finished: the helpers every fault test shares."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.context import AppContext
from api.db import session_scope
from api.scans.models import Scan, ScanEvent
from tests.api.scans import imagegen
from tests.api.scans.conftest import wait_for_scan

_SEED = iter(range(10_000, 10_000_000))
_SEED_LOCK = threading.Lock()


def next_seed() -> int:
    with _SEED_LOCK:
        return next(_SEED)


def submit(api: TestClient, headers: dict[str, str]) -> str:
    """POST one scan of a never-seen image (no analysis cache hit); returns its id."""
    files = {"image": ("x.jpg", imagegen.unique_jpeg(next_seed()), "image/jpeg")}
    response = api.post("/api/v1/scans", files=files, headers=headers)
    assert response.status_code == 202, response.text
    scan_id: str = response.json()["id"]
    return scan_id


def submit_many(api: TestClient, headers: dict[str, str], count: int, threads: int = 4) -> list[str]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda _: submit(api, headers), range(count)))


def wait_all(api: TestClient, headers: dict[str, str], ids: list[str], timeout: float) -> list[str]:
    """Each scan's final status (waits for every one; the timeout is per scan, generous)."""
    return [wait_for_scan(api, headers, scan_id, timeout=timeout)["status"] for scan_id in ids]


def assert_done_once(ctx: AppContext, ids: list[str]) -> None:
    """Every scan is `done` with exactly one `done` event (finished exactly once)."""
    wanted = [uuid.UUID(i) for i in ids]
    with session_scope(ctx.session_factory) as session:
        statuses = dict(session.execute(select(Scan.id, Scan.status).where(Scan.id.in_(wanted))).all())
        done = dict(
            session.execute(
                select(ScanEvent.scan_id, func.count())
                .where(ScanEvent.scan_id.in_(wanted), ScanEvent.stage == "done")
                .group_by(ScanEvent.scan_id)
            ).all()
        )
    assert {str(k): v for k, v in statuses.items()} == dict.fromkeys(ids, "done")
    assert {str(k): v for k, v in done.items()} == dict.fromkeys(ids, 1)


def worker_idle(ctx: AppContext) -> bool:
    """Every worker answered and none has a task still active (its whole capacity is free)."""
    app = ctx.dispatcher.app  # type: ignore[attr-defined]
    active = app.control.inspect(timeout=3).active()
    return bool(active) and all(not tasks for tasks in active.values())
