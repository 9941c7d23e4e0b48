"""Fixtures for the locations tests: both database backends, point factories and a fake Kakao."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from api.context import AppContext
from api.locations.categories import DEFAULT_CATEGORIES, PointType
from api.locations.importer.engine import upsert_records
from api.locations.importer.formats import PointRecord
from api.settings import Settings
from tests.api.locations.fake_kakao import FakeKakao
from tests.conftest import clear_tables

SEOUL = (37.5663, 126.9779)


def record(key: str, lat: float, lng: float, point_type: PointType = PointType.street_recycling_bin,
           **extra: Any) -> PointRecord:  # fmt: skip
    extra.setdefault("categories", list(DEFAULT_CATEGORIES[point_type]))
    return PointRecord(
        source_key=key, type=point_type, name=extra.pop("name", f"point {key}"), lat=lat, lng=lng, **extra
    )


def add_points(context: AppContext, records: list[PointRecord], source: str = "test") -> None:
    with context.session_factory() as session:
        upsert_records(session, source, records)
        session.commit()


@pytest.fixture(params=["postgresql", "sqlite"])
def any_context(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings]
) -> Iterator[AppContext]:
    """An AppContext on PostgreSQL (migrated once per session) and on a fresh migrated SQLite file."""
    if request.param == "postgresql":
        settings = make_settings(database_url=request.getfixturevalue("migrated_postgres_url"))
    else:
        from api import migrate

        settings = make_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        migrate.upgrade(settings.resolved_database_url)
    ctx = AppContext.from_settings(settings)
    yield ctx
    clear_tables(ctx)
    ctx.close()


@pytest.fixture
def fake_kakao(httpserver: HTTPServer) -> FakeKakao:
    fake = FakeKakao(api_key="test-key")
    fake.install(httpserver)
    return fake


@pytest.fixture
def kakao_settings(
    make_settings: Callable[..., Settings],
    migrated_postgres_url: str,
    fake_kakao: FakeKakao,
    httpserver: HTTPServer,
) -> Callable[..., Settings]:
    """Settings on PostgreSQL with the fake Kakao configured (plus overrides)."""

    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": migrated_postgres_url,
            "kakao_rest_api_key": "test-key",
            "kakao_local_base_url": httpserver.url_for("/").rstrip("/"),
        }
        values.update(overrides)
        return make_settings(**values)

    return factory
