"""`/scans/{id}/events` streams hold no pooled connection between polls (issue 15, row 1).

Before, the stream's ownership check ran on the request's session and its read transaction stayed
open ("idle in transaction") for the stream's whole life, up to 300 s: 35 streams from one account
filled a 30-connection pool and every other request waited or failed. Here a real uvicorn serves
more streams than the pool has connections, and the account's other requests still answer.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import psycopg
import pytest
import uvicorn

from api.context import AppContext
from api.main import create_app
from api.settings import Settings
from tests.api.scans import imagegen
from tests.conftest import clear_tables
from tests.support.cli import free_port
from workers.dispatch import CeleryDispatcher

POOL = 10
STREAMS = 35


@pytest.fixture
def server(make_settings: Callable[..., Settings], migrated_postgres_url: str) -> Iterator[tuple[str, str]]:
    """uvicorn on a 10-connection pool; the broker is a closed port, so scans stay `queued`."""
    settings = make_settings(
        database_url=migrated_postgres_url, api_threads=POOL, db_pool_size=POOL, db_pool_timeout_seconds=1.0,
        broker_url=f"amqp://guest:guest@127.0.0.1:{free_port()}//",
    )  # fmt: skip
    ctx = AppContext.from_settings(settings, dispatcher_factory=CeleryDispatcher)
    port = free_port()
    instance = uvicorn.Server(
        uvicorn.Config(create_app(context=ctx), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert instance.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", migrated_postgres_url
    instance.should_exit = True
    thread.join(30)
    ctx.close_dispatcher()
    clear_tables(ctx)
    ctx.close()


def _open_stream(base: str, path: str, token: str) -> socket.socket:
    """Start an event stream and wait for its first line (the stream is running)."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=60)
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    received = b""
    while b"retry:" not in received:
        chunk = sock.recv(4096)
        assert chunk, f"stream closed early: {received!r}"
        received += chunk
    assert received.startswith(b"HTTP/1.1 200"), received
    return sock


def _idle_in_transaction(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND state = 'idle in transaction'"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_more_streams_than_connections_leave_the_api_answering(server: tuple[str, str]) -> None:
    base, database_url = server
    login = httpx.post(f"{base}/api/v1/auth/dev/token", json={"nickname": "streams"}, timeout=30)
    token = login.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    files = {"image": ("x.jpg", imagegen.jpeg(), "image/jpeg")}
    created = httpx.post(f"{base}/api/v1/scans", files=files, headers=headers, timeout=60)
    assert created.status_code == 202, created.text
    events = created.json()["events_url"].removeprefix(base)

    streams = [_open_stream(base, events, token) for _ in range(STREAMS)]
    try:
        me = httpx.get(f"{base}/api/v1/users/me", headers=headers, timeout=30)
        assert me.status_code == 200, me.text
        scan = httpx.get(created.json()["result_url"], headers=headers, timeout=30)
        assert (scan.status_code, scan.json()["status"]) == (202, "queued")
        # A poll in flight is briefly "idle in transaction" between its statements; held
        # transactions would show in every sample (before the fix: every stream's, up to POOL).
        samples = []
        for _ in range(20):
            samples.append(_idle_in_transaction(database_url))
            time.sleep(0.1)
        assert min(samples) == 0 and max(samples) < POOL, samples
    finally:
        for sock in streams:
            sock.close()
