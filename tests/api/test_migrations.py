"""One Alembic history for both backends: it applies, matches the models, and rolls back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from api import migrate
from api.db import create_db_engine
from api.models import metadata
from tests.support import services


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    server = services.database_server_url()
    problem = services.check_postgres(server)
    if problem:
        services.unavailable("PostgreSQL", server, problem)
    url = services.create_postgres_database(server)
    yield url.replace("postgresql://", "postgresql+psycopg://", 1)
    services.drop_postgres_database(server, url)


def test_migrations_match_the_models_and_roll_back(empty_database: str) -> None:
    migrate.upgrade(empty_database)
    engine = create_db_engine(empty_database)
    try:
        with engine.connect() as conn:
            diff = migrate.compare_with_models(conn)
        assert diff == [], f"models and migrations disagree: {diff}"
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())

        migrate.upgrade(empty_database)  # idempotent: nothing left to apply
        migrate.downgrade(empty_database, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
