"""A Celery worker subprocess on the session's RabbitMQ vhost, Redis and PostgreSQL, with a fake OpenAI."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.context import AppContext
from api.main import create_app
from api.settings import Settings
from tests.api.analyser.fake_openai import FakeOpenAI
from tests.conftest import clear_tables
from tests.support.profile import TEST_PROFILE
from tests.workers.support import CeleryWorker
from workers.dispatch import CeleryDispatcher


@pytest.fixture(scope="module")
def fake_openai_module() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack_values(
    tmp_path_factory: pytest.TempPathFactory,
    migrated_postgres_url: str,
    broker_url: str,
    redis_url: str,
    fake_openai_module: FakeOpenAI,
) -> Iterator[dict[str, Any]]:
    """Settings shared by the API under test and the worker subprocess (as WASTE_* variables)."""
    prefix = f"waste-test:{uuid.uuid4().hex[:8]}:"
    yield {
        **TEST_PROFILE,
        "data_dir": tmp_path_factory.mktemp("stack"),
        "database_url": migrated_postgres_url,
        "broker_url": broker_url,
        "redis_url": redis_url,
        "redis_prefix": prefix,
        "analyser": "openai",
        "openai_api_key": "sk-test",
        "openai_base_url": fake_openai_module.base_url,
        "openai_timeout_seconds": 1.0,
        "scan_retry_base_seconds": 0.05,
        "scan_retry_max_seconds": 0.5,
        "scan_daily_quota": 1000,
    }
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def fake_openai(fake_openai_module: FakeOpenAI) -> Iterator[FakeOpenAI]:
    fake_openai_module.reset()
    yield fake_openai_module
    fake_openai_module.reset()


@pytest.fixture
def api(stack_values: dict[str, Any], make_settings: Callable[..., Settings]) -> Iterator[TestClient]:
    ctx = AppContext.from_settings(make_settings(**stack_values), dispatcher_factory=CeleryDispatcher)
    with TestClient(create_app(context=ctx)) as client:
        yield client
    ctx.close_dispatcher()
    clear_tables(ctx)
    ctx.close()


@pytest.fixture
def start_worker(stack_values: dict[str, Any], tmp_path: Path) -> Iterator[Callable[..., CeleryWorker]]:
    started: list[CeleryWorker] = []

    def start(**kwargs: Any) -> CeleryWorker:
        worker = CeleryWorker(stack_values, tmp_path, **kwargs).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
