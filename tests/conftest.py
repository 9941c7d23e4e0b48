"""Shared fixtures. Service fixtures start from real PostgreSQL, Redis and RabbitMQ (tests/support)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.context import AppContext
from api.settings import Settings
from tests.support import services
from tests.support.profile import TEST_PROFILE


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests away from the developer's XDG dirs, .env and WASTE_* variables."""
    base = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(base / "state"))
    for name in list(__import__("os").environ):
        if name.startswith("WASTE_") and not name.startswith("WASTE_TEST_"):
            monkeypatch.delenv(name)


# --- services -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session (dropped at the end)."""
    server = services.database_server_url()
    problem = services.check_postgres(server)
    if problem:
        services.unavailable("PostgreSQL", server, problem)
    url = services.create_postgres_database(server)
    yield url
    services.drop_postgres_database(server, url)


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = services.redis_server_url()
    problem = services.check_redis(url)
    if problem:
        services.unavailable("Redis", url, problem)
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix private to one test; its keys are deleted afterwards."""
    import redis

    prefix = f"waste-test:{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="session")
def broker_url() -> Iterator[str]:
    """An AMQP URL on a RabbitMQ vhost private to this session (deleted at the end)."""
    url = services.broker_server_url()
    problem = services.check_broker(url)
    if problem:
        services.unavailable("RabbitMQ", url, problem)
    vhost = services.create_vhost(url)
    if vhost is None:
        yield url
        return
    yield services.with_vhost(url, vhost)
    services.delete_vhost(vhost)


# --- database and app ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def migrated_postgres_url(postgres_url: str) -> str:
    from api import migrate

    migrate.upgrade(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    return postgres_url


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a test: the test profile, embedded defaults under tmp_path, no .env, plus overrides."""

    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {**TEST_PROFILE, "data_dir": tmp_path / "data"}
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return factory


@pytest.fixture
def settings(make_settings: Callable[..., Settings], migrated_postgres_url: str) -> Settings:
    """Default test settings: the real PostgreSQL (migrated once per session), everything else embedded."""
    return make_settings(database_url=migrated_postgres_url)


@pytest.fixture
def context(settings: Settings) -> Iterator[AppContext]:
    ctx = AppContext.from_settings(settings)
    yield ctx
    clear_tables(ctx)
    ctx.close()


def clear_tables(ctx: AppContext) -> None:
    """Delete every row a test wrote; tables marked `info={"reference": True}` keep their seed data."""
    from api.models import metadata

    with ctx.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if not table.info.get("reference"):
                conn.execute(table.delete())


@pytest.fixture
def client(context: AppContext) -> Iterator[TestClient]:
    from api.main import create_app

    with TestClient(create_app(context=context)) as test_client:
        yield test_client


@pytest.fixture
def auth_headers(client: TestClient) -> Callable[[str], dict[str, str]]:
    """`auth_headers("alice")` -> an Authorization header for a (new or existing) dev user."""

    def login(nickname: str = "tester") -> dict[str, str]:
        response = client.post("/api/v1/auth/dev/token", json={"nickname": nickname})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return login


# --- terraform ----------------------------------------------------------------------------------
from tests.support.terraform import terraform_on_path  # noqa: E402  (fixture re-export)

__all__ = ["terraform_on_path"]
