"""An app per test, on settings built from overrides, entered (lifespan run) and closed after."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.context import AppContext
from api.main import create_app
from api.settings import Settings


@pytest.fixture
def serve(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., TestClient]]:
    """`serve(env="production", ...)` -> a TestClient on an app with those settings."""
    opened: list[tuple[TestClient, AppContext]] = []

    def build(**overrides: Any) -> TestClient:
        ctx = AppContext.from_settings(make_settings(**overrides))
        client = TestClient(create_app(context=ctx))
        client.__enter__()
        opened.append((client, ctx))
        return client

    yield build
    for client, ctx in opened:
        client.__exit__(None, None, None)
        ctx.close()
