"""Two API processes (two app contexts on one database and one Redis): a session checked once, or
a finished scan read once, is served from the cache with no query, and what one process revokes or
changes the other refuses or shows at once; when the feed is down, every request reads the database."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from api.context import AppContext
from api.db import session_scope
from api.main import create_app
from api.scans.models import Scan
from api.settings import Settings
from tests.api.scans import imagegen
from tests.api.scans.conftest import wait_for_scan
from tests.conftest import clear_tables
from tests.support.private_services import RedisServer

ME = "/api/v1/users/me"


class Process:
    """One API process: its own context (pool, caches, change feed) and a client on its app."""

    def __init__(self, settings: Settings, stack: ExitStack) -> None:
        self.context = AppContext.from_settings(settings)
        stack.callback(self.context.close)
        self.client = stack.enter_context(TestClient(create_app(context=self.context)))

    def statements_during(self, action: Callable[[], Any]) -> int:
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(self.context.engine, "before_cursor_execute", count)
        try:
            action()
        finally:
            event.remove(self.context.engine, "before_cursor_execute", count)
        return len(statements)

    def wait_trusted(self, trusted: bool = True, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.context.signed_in_users.trusted is not trusted:
            assert time.monotonic() < deadline, f"the cache did not become trusted={trusted}"
            time.sleep(0.02)


@contextmanager
def two_processes(settings: Settings) -> Iterator[tuple[Process, Process]]:
    with ExitStack() as stack:
        first, second = Process(settings, stack), Process(settings, stack)
        stack.callback(clear_tables, first.context)
        for process in (first, second):
            process.wait_trusted()
        yield first, second


def eventually_status(client: TestClient, headers: dict[str, str], status: int, timeout: float = 5.0) -> None:
    """The status the other process answers once the published change has reached it."""
    deadline = time.monotonic() + timeout
    while (got := client.get(ME, headers=headers).status_code) != status:
        assert time.monotonic() < deadline, f"still {got}, expected {status}"
        time.sleep(0.02)


def login(client: TestClient, nickname: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/dev/token", json={"nickname": nickname})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def shared(
    make_settings: Callable[..., Settings], migrated_postgres_url: str, redis_url: str, redis_prefix: str
) -> Settings:
    return make_settings(database_url=migrated_postgres_url, redis_url=redis_url, redis_prefix=redis_prefix)


def test_a_checked_session_is_served_without_a_query(shared: Settings) -> None:
    with two_processes(shared) as (first, second):
        headers = login(first.client, "cached")
        assert second.statements_during(lambda: second.client.get(ME, headers=headers)) == 1
        responses: list[Any] = []
        assert second.statements_during(lambda: responses.append(second.client.get(ME, headers=headers))) == 0
        assert responses[0].status_code == 200
        assert responses[0].json()["nickname"] == "cached"


def test_a_logout_in_one_process_is_refused_by_the_other(shared: Settings) -> None:
    with two_processes(shared) as (first, second):
        headers = login(first.client, "leaving")
        assert second.client.get(ME, headers=headers).status_code == 200  # now cached in `second`
        assert first.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
        eventually_status(second.client, headers, 401)
        assert "revoked" in second.client.get(ME, headers=headers).json()["detail"]


def test_a_revoked_other_session_and_a_deleted_account_are_refused(shared: Settings) -> None:
    with two_processes(shared) as (first, second):
        phone, laptop = login(first.client, "owner"), login(first.client, "owner")
        assert second.client.get(ME, headers=laptop).status_code == 200
        sessions = first.client.get("/api/v1/auth/sessions", headers=phone).json()
        laptop_session = next(s["id"] for s in sessions if not s["current"])
        assert (
            first.client.delete(f"/api/v1/auth/sessions/{laptop_session}", headers=phone).status_code == 204
        )
        eventually_status(second.client, laptop, 401)
        assert second.client.get(ME, headers=phone).status_code == 200
        assert first.client.delete(ME, headers=phone).status_code == 204
        eventually_status(second.client, phone, 401)


def test_a_profile_change_shows_in_the_other_process(shared: Settings) -> None:
    with two_processes(shared) as (first, second):
        headers = login(first.client, "before")
        assert second.client.get(ME, headers=headers).json()["nickname"] == "before"
        assert first.client.patch(ME, headers=headers, json={"nickname": "after"}).status_code == 200
        deadline = time.monotonic() + 5
        while second.client.get(ME, headers=headers).json()["nickname"] != "after":
            assert time.monotonic() < deadline, "the other process still shows the old nickname"
            time.sleep(0.02)


def test_while_the_feed_is_down_every_request_is_checked(
    make_settings: Callable[..., Settings], migrated_postgres_url: str
) -> None:
    if problem := RedisServer.available():
        pytest.skip(problem)
    redis = RedisServer().start()
    try:
        settings = make_settings(database_url=migrated_postgres_url, redis_url=redis.url)
        with two_processes(settings) as (first, second):
            headers = login(first.client, "outage")
            assert second.client.get(ME, headers=headers).status_code == 200
            redis.stop()
            second.wait_trusted(False)
            # Checked in the database (one query), not served from what the cache held.
            assert second.statements_during(lambda: second.client.get(ME, headers=headers)) == 1
            # The logout cannot be announced (Redis is down) but is committed: the other process,
            # checking every request now, refuses the session at once.
            assert first.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
            assert second.client.get(ME, headers=headers).status_code == 401
            redis.start()
            second.wait_trusted(True)
            again = login(first.client, "outage")
            assert second.client.get(ME, headers=again).status_code == 200
            assert second.statements_during(lambda: second.client.get(ME, headers=again)) == 0
    finally:
        redis.destroy()


def test_without_redis_a_logout_is_refused_at_once(client: TestClient) -> None:
    """The embedded profile: one process, which evicts what it changes itself."""
    headers = login(client, "single")
    assert client.get(ME, headers=headers).status_code == 200
    assert client.get(ME, headers=headers).status_code == 200  # a hit
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get(ME, headers=headers).status_code == 401


def test_a_finished_scan_changed_in_one_process_is_read_again_by_the_other(shared: Settings) -> None:
    with two_processes(shared) as (first, second):
        headers = login(first.client, "scans")
        files = {"image": ("x.jpg", imagegen.unique_jpeg(7), "image/jpeg")}
        created = first.client.post("/api/v1/scans", files=files, headers=headers)
        assert created.status_code == 202, created.text
        scan = wait_for_scan(first.client, headers, created.json()["id"])
        url = f"/api/v1/scans/{scan['id']}"
        assert second.client.get(url, headers=headers).json() == scan
        assert second.statements_during(lambda: second.client.get(url, headers=headers)) == 0
        with session_scope(first.context.session_factory) as session:
            row = session.get(Scan, uuid.UUID(scan["id"]))
            assert row is not None
            row.note = "changed by the other process"
        deadline = time.monotonic() + 5
        while second.client.get(url, headers=headers).json()["note"] != "changed by the other process":
            assert time.monotonic() < deadline, "the other process still serves the old scan"
            time.sleep(0.02)


@pytest.mark.parametrize("garbage", [b"\xff\xfe not utf-8", b"session:not-a-uuid", b"nonsense"])
def test_an_unreadable_message_clears_the_caches_and_keeps_the_feed(shared: Settings, garbage: bytes) -> None:
    """Whatever else lands on the channel costs a cleared cache, not the link or a stale answer."""
    import redis

    with two_processes(shared) as (first, second):
        headers = login(first.client, "garbled")
        assert second.client.get(ME, headers=headers).status_code == 200
        assert len(second.context.signed_in_users) == 1
        publisher = redis.Redis.from_url(shared.redis_url or "")
        try:
            publisher.publish(f"{shared.redis_prefix}cache-changes", garbage)
        finally:
            publisher.close()
        deadline = time.monotonic() + 5
        while len(second.context.signed_in_users):
            assert time.monotonic() < deadline, "the cache kept its entries"
            time.sleep(0.02)
        assert second.context.signed_in_users.trusted  # still subscribed: the next check is cached again
        assert second.statements_during(lambda: second.client.get(ME, headers=headers)) == 1
        assert second.statements_during(lambda: second.client.get(ME, headers=headers)) == 0
