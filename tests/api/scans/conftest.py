"""Fixtures for the scans API: apps with setting overrides, login, upload and polling helpers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.context import AppContext
from api.main import create_app
from api.settings import Settings
from tests.conftest import clear_tables
from workers.dispatch import CeleryDispatcher


@pytest.fixture
def make_client(
    make_settings: Callable[..., Settings], migrated_postgres_url: str
) -> Iterator[Callable[..., TestClient]]:
    """`make_client(scan_daily_quota=1)` -> a TestClient on PostgreSQL with those settings."""
    opened: list[tuple[TestClient, AppContext]] = []

    def build(**overrides: Any) -> TestClient:
        values: dict[str, Any] = {"database_url": migrated_postgres_url, "scan_retry_base_seconds": 0.01}
        values.update(overrides)
        ctx = AppContext.from_settings(make_settings(**values), dispatcher_factory=CeleryDispatcher)
        client = TestClient(create_app(context=ctx))
        client.__enter__()
        opened.append((client, ctx))
        return client

    yield build
    for client, ctx in opened:
        client.__exit__(None, None, None)
        ctx.close_dispatcher()
        clear_tables(ctx)
        ctx.close()


def login(client: TestClient, nickname: str = "tester") -> dict[str, str]:
    response = client.post("/api/v1/auth/dev/token", json={"nickname": nickname})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def upload(client: TestClient, headers: dict[str, str], data: bytes, content_type: str = "image/jpeg") -> str:
    """The two-step client flow: ask for a form upload, then POST the file to it. Returns the key."""
    ticket = client.post("/api/v1/uploads", json={"content_type": content_type}, headers=headers)
    assert ticket.status_code == 201, ticket.text
    body = ticket.json()
    sent = client.post(body["url"], data=body["fields"], files={"file": ("photo", data, content_type)})
    assert sent.status_code == 204, sent.text
    key: str = body["key"]
    return key


def wait_for_scan(
    client: TestClient, headers: dict[str, str], scan_id: str, timeout: float = 15.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/api/v1/scans/{scan_id}", headers=headers)
        if response.status_code == 200:
            result: dict[str, Any] = response.json()
            return result
        assert response.status_code == 202, response.text
        assert response.headers["Retry-After"] == "1"
        if time.monotonic() > deadline:
            raise AssertionError(f"scan {scan_id} still {response.json()['status']} after {timeout}s")
        time.sleep(0.05)
