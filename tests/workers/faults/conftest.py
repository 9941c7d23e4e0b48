"""The fault suite: one service restarted, killed or hanging while scans flow (issue 15, point 3).

Every service a test disturbs is a PRIVATE instance on a free port (never the shared ones). Each
test submits a bounded number of scans and checks that every one finishes exactly once
(`assert_done_once`), and how many model calls that took. No beat runs, so no stuck-scan sweep
can rescue a scan: a scan that waits for the sweep fails the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.context import AppContext
from api.main import create_app
from api.settings import Settings
from tests.conftest import clear_tables
from tests.support import services
from tests.support.private_services import PostgresServer, RedisServer
from tests.workers import rabbitmq_node
from workers.dispatch import CeleryDispatcher


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.fault)
            item.add_marker(pytest.mark.services)
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def rabbit() -> Iterator[rabbitmq_node.RabbitNode]:
    reason = rabbitmq_node.available()
    if reason:
        services.unavailable("a throwaway RabbitMQ node", "localhost", reason)
    node = rabbitmq_node.RabbitNode()
    try:
        node.start()
        yield node
    finally:
        node.destroy()


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    reason = RedisServer.available()
    if reason:
        services.unavailable("a private Redis", "localhost", reason)
    server = RedisServer().start()
    yield server
    server.destroy()


@pytest.fixture
def private_postgres() -> Iterator[PostgresServer]:
    reason = PostgresServer.available()
    if reason:
        services.unavailable("a private PostgreSQL", "localhost", reason)
    server = PostgresServer().init().start()
    yield server
    server.destroy()


@pytest.fixture
def stack(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., Any]]:
    """`with stack(values) as (api, ctx):` an API (TestClient) on those settings, cleaned afterwards."""
    opened: list[AppContext] = []

    @contextmanager
    def build(values: dict[str, Any]) -> Iterator[tuple[TestClient, AppContext]]:
        ctx = AppContext.from_settings(make_settings(**values), dispatcher_factory=CeleryDispatcher)
        opened.append(ctx)
        with TestClient(create_app(context=ctx)) as api:
            yield api, ctx

    yield build
    for ctx in opened:
        ctx.close_dispatcher()
        try:
            clear_tables(ctx)
        finally:
            ctx.close()
