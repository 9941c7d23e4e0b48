"""The connection pool under pressure: a request holds at most one connection, and only while it
uses the database; when none comes free in time the answer is 503 + Retry-After, never a hang.

A real uvicorn server on the real PostgreSQL, with the pool shrunk to four connections so that the
test can hold the rest itself.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.engine import Connection

from api.context import AppContext
from api.main import create_app
from api.settings import Settings
from tests.conftest import clear_tables
from tests.support.cli import free_port

POOL = 4


@pytest.fixture
def small_pool(make_settings: Callable[..., Settings], migrated_postgres_url: str) -> Iterator[AppContext]:
    settings = make_settings(
        database_url=migrated_postgres_url, api_threads=POOL, db_pool_size=POOL, db_pool_timeout_seconds=0.5
    )
    ctx = AppContext.from_settings(settings)
    yield ctx
    clear_tables(ctx)
    ctx.close()


@pytest.fixture
def server(small_pool: AppContext) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(create_app(context=small_pool), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert instance.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(10)


@contextlib.contextmanager
def holding(ctx: AppContext, count: int) -> Iterator[list[Connection]]:
    """Check `count` connections out of the app's own pool and keep them until the block ends."""
    held = [ctx.engine.connect() for _ in range(count)]
    try:
        yield held
    finally:
        for conn in held:
            conn.close()


def _login(base: str) -> dict[str, str]:
    response = httpx.post(f"{base}/api/v1/auth/dev/token", json={"nickname": "pool"}, timeout=10)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_an_exhausted_pool_answers_503_with_retry_after(server: str, small_pool: AppContext) -> None:
    headers = _login(server)
    with holding(small_pool, POOL):
        started = time.monotonic()
        response = httpx.get(f"{server}/api/v1/users/me", headers=headers, timeout=10)
        waited = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json() == {"detail": "the service is busy; retry shortly", "code": "database_busy"}
    assert waited < 5  # bounded by the checkout timeout, not the client's patience
    # and the pool recovers as soon as connections come back
    assert httpx.get(f"{server}/api/v1/users/me", headers=headers, timeout=10).status_code == 200


def _start_slow_upload(base: str, headers: dict[str, str]) -> socket.socket:
    """Send a scan request's headers and the first bytes of its body, then stall (a slow phone)."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    head = (
        "POST /api/v1/scans HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        f"Authorization: {headers['Authorization']}\r\n"
        "Content-Type: multipart/form-data; boundary=xyz\r\n"
        "Content-Length: 100000\r\n\r\n--xyz\r\n"
    )
    sock.sendall(head.encode())
    return sock


def test_a_stalled_upload_holds_no_connection(server: str, small_pool: AppContext) -> None:
    """Three slow uploads already authenticated, one connection left: other requests still get it."""
    headers = _login(server)
    uploads = [_start_slow_upload(server, headers) for _ in range(3)]
    try:
        time.sleep(0.5)  # the uploads' dependencies (the auth check) have run by now
        with holding(small_pool, 1):
            answers: list[Any] = [
                httpx.get(f"{server}/api/v1/users/me", headers=headers, timeout=10).status_code
                for _ in range(3)
            ]
        assert answers == [200, 200, 200]
        assert small_pool.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        for sock in uploads:
            sock.close()


def test_a_database_that_refuses_connections_answers_503(make_settings: Callable[..., Settings]) -> None:
    from fastapi.testclient import TestClient

    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/waste"
    settings = make_settings(database_url=nowhere, db_pool_timeout_seconds=0.5)
    ctx = AppContext.from_settings(settings)
    try:
        with TestClient(create_app(context=ctx)) as client:
            response = client.post("/api/v1/auth/dev/token", json={"nickname": "nobody"})
    finally:
        ctx.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["code"] == "database_unavailable"
