"""`GET /scans/{id}` of a finished scan answers from the process's cache, and never a stale answer:
a re-grounding, a replay from the dead-letter queue, an account's deletion or a statement on scans
in bulk evicts it (here, and through Redis in the other processes: tests/api/cache/test_feed.py)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update

from api.cache.changes import Change, ChangeKind
from api.context import AppContext
from api.db import session_scope, utcnow
from api.scans.changes import FINAL_SCANS_UNCHANGED
from api.scans.models import Scan
from api.scans.status import ScanStatus
from api.users.models import User
from tests.api.analyser.fake_openai import FakeOpenAI, answer_item
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, wait_for_scan

ENGLISH = {"Accept-Language": "en"}


class Recorder:
    """A change listener that keeps what it hears."""

    def __init__(self) -> None:
        self.changes: list[Change] = []

    def evict(self, change: Change) -> None:
        self.changes.append(change)

    def set_trusted(self, trusted: bool) -> None:
        del trusted


def statements(context: AppContext, action: Callable[[], Any]) -> int:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(context.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(context.engine, "before_cursor_execute", count)
    return len(seen)


def finished_scan(client: TestClient, headers: dict[str, str], seed: int) -> dict[str, Any]:
    files = {"image": ("x.jpg", imagegen.unique_jpeg(seed), "image/jpeg")}
    response = client.post("/api/v1/scans", files=files, headers=headers)
    assert response.status_code == 202, response.text
    scan = wait_for_scan(client, headers, response.json()["id"])
    assert scan["status"] == "done", scan
    return scan


def change_scan(context: AppContext, scan_id: uuid.UUID | str, **values: Any) -> None:
    """Change the row through the ORM, as the services do (a flush, then a commit)."""
    with session_scope(context.session_factory) as session:
        row = session.get(Scan, uuid.UUID(str(scan_id)))
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)


def test_a_finished_scan_is_read_from_the_database_once_per_language(
    client: TestClient, context: AppContext
) -> None:
    headers = login(client, "reader")
    scan = finished_scan(client, headers, seed=1)
    url = f"/api/v1/scans/{scan['id']}"
    first: list[Any] = []
    assert (
        statements(context, lambda: first.append(client.get(url, headers=headers))) == 0
    )  # cached by the poll
    assert first[0].json() == scan
    assert first[0].headers["Content-Language"] == "ko"
    assert statements(context, lambda: client.get(url, headers={**headers, **ENGLISH})) == 1
    english: list[Any] = []
    assert statements(context, lambda: english.append(client.get(url, headers={**headers, **ENGLISH}))) == 0
    assert english[0].headers["Content-Language"] == "en"
    assert english[0].json()["id"] == scan["id"]


def test_another_user_gets_404_for_a_cached_scan(client: TestClient) -> None:
    owner = login(client, "owner")
    scan = finished_scan(client, owner, seed=2)
    assert client.get(f"/api/v1/scans/{scan['id']}", headers=owner).status_code == 200
    stranger = login(client, "stranger")
    response = client.get(f"/api/v1/scans/{scan['id']}", headers=stranger)
    assert (response.status_code, response.json()["code"]) == (404, "scan_not_found")


@pytest.fixture(scope="module")
def fake_model() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def test_a_correction_is_shown_at_once(
    make_client: Callable[..., TestClient], fake_model: FakeOpenAI
) -> None:
    fake_model.answer = {"items": [answer_item("pizza_box", "피자 박스", "paper", 0.9)], "summary": "-"}
    client = make_client(
        openai_api_key="sk-test", openai_base_url=fake_model.base_url, scan_cache_ttl_seconds=0
    )
    headers = login(client, "corrector")
    scan = finished_scan(client, headers, seed=3)
    url = f"/api/v1/scans/{scan['id']}"
    assert client.get(url, headers=headers).json() == scan  # cached
    corrected = client.post(f"{url}/answer", json={"item_index": 0, "text": "우유팩"}, headers=headers)
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["result"] != scan["result"]
    assert client.get(url, headers=headers).json() == corrected.json()


def test_a_replayed_failed_scan_is_pending_again(client: TestClient, context: AppContext) -> None:
    """A failed scan is final (cached); re-opening it (a dead-letter replay) must show it pending."""
    headers = login(client, "replayed")
    scan = finished_scan(client, headers, seed=4)
    url = f"/api/v1/scans/{scan['id']}"
    change_scan(context, scan["id"], status=ScanStatus.failed, failure_code="model_error", failure_reason="x")
    assert client.get(url, headers=headers).json()["status"] == "failed"  # now cached as failed
    change_scan(context, scan["id"], status=ScanStatus.queued, failure_code=None, failure_reason=None,
                finished_at=None)  # fmt: skip
    reopened = client.get(url, headers=headers)
    assert reopened.status_code == 202, reopened.text


def test_a_bulk_statement_on_scans_clears_the_cache_unless_it_spares_finished_ones(
    client: TestClient, context: AppContext
) -> None:
    headers = login(client, "bulk")
    scan = finished_scan(client, headers, seed=5)
    url = f"/api/v1/scans/{scan['id']}"
    assert statements(context, lambda: client.get(url, headers=headers)) == 0
    with session_scope(context.session_factory) as session:
        session.execute(
            update(Scan).where(Scan.status == ScanStatus.queued).values(note="x")
            .execution_options(**{FINAL_SCANS_UNCHANGED: True})
        )  # fmt: skip
    assert statements(context, lambda: client.get(url, headers=headers)) == 0
    with session_scope(context.session_factory) as session:
        session.execute(update(Scan).where(Scan.id == uuid.UUID(scan["id"])).values(note="changed in bulk"))
    after: list[Any] = []
    assert statements(context, lambda: after.append(client.get(url, headers=headers))) == 1
    assert after[0].json()["note"] == "changed in bulk"


def pending_scan(context: AppContext, user_id: uuid.UUID | str) -> uuid.UUID:
    with session_scope(context.session_factory) as session:
        scan = Scan(
            user_id=uuid.UUID(str(user_id)), image_key="k", image_sha256="0" * 64, status=ScanStatus.queued
        )
        session.add(scan)
        session.flush()
        return scan.id


def test_a_pending_scans_stages_are_not_announced_but_its_finishing_is(context: AppContext) -> None:
    """The pipeline changes a pending scan several times; only the move to a final status is news."""
    announced = Recorder()
    context.change_feed.listeners.append(announced)
    with session_scope(context.session_factory) as session:
        user = User(id=uuid.uuid4(), nickname="pending", created_at=utcnow())
        session.add(user)
    scan_id = pending_scan(context, user.id)
    change_scan(context, scan_id, status=ScanStatus.analysing)
    change_scan(context, scan_id, status=ScanStatus.grounding)
    assert announced.changes == []
    change_scan(context, scan_id, status=ScanStatus.done)
    assert announced.changes == [Change(ChangeKind.scan, scan_id)]
    change_scan(context, scan_id, note="after it finished")
    assert announced.changes == [Change(ChangeKind.scan, scan_id)] * 2


def test_a_pending_poll_may_show_a_stage_seconds_old_but_never_misses_the_end(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(scan_pending_cache_seconds=0.5)
    context: AppContext = client.app.state.context  # type: ignore[attr-defined]
    headers = login(client, "poller")
    scan_id = pending_scan(context, client.get("/api/v1/users/me", headers=headers).json()["id"])
    url = f"/api/v1/scans/{scan_id}"
    first = client.get(url, headers=headers)
    assert (first.status_code, first.json()["status"], first.headers["Retry-After"]) == (202, "queued", "1")
    change_scan(context, scan_id, status=ScanStatus.analysing)
    polls: list[Any] = []
    assert statements(context, lambda: polls.append(client.get(url, headers=headers))) == 0
    assert (polls[0].status_code, polls[0].json()["status"]) == (202, "queued")  # the cached stage
    time.sleep(0.6)
    assert client.get(url, headers=headers).json()["status"] == "analysing"  # read again after 0.5 s
    change_scan(context, scan_id, status=ScanStatus.done, finished_at=utcnow())
    done = client.get(url, headers=headers)  # at once, within the 0.5 s: the finishing evicted it
    assert (done.status_code, done.json()["status"]) == (200, "done")
