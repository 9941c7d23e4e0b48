"""Migration 0002 on SQLite (the embedded profile): up, down, up again, matching the models."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect

from api import migrate

AUTH_TABLES = {"social_accounts", "auth_sessions", "login_audits", "oauth_states"}


def test_sqlite_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) >= AUTH_TABLES
        with engine.connect() as conn:
            diff = migrate.compare_with_models(conn)
        assert diff == [], diff
        uniques = inspect(engine).get_unique_constraints("social_accounts")
        assert [u["column_names"] for u in uniques] == [["provider", "provider_user_id"]]
        migrate.downgrade(url, "0001")
        assert not AUTH_TABLES & set(inspect(engine).get_table_names())
        assert "users" in inspect(engine).get_table_names()
        migrate.upgrade(url)
        assert set(inspect(engine).get_table_names()) >= AUTH_TABLES
    finally:
        engine.dispose()


def test_postgres_schema_matches_models(context: object) -> None:
    from api.context import AppContext

    assert isinstance(context, AppContext)
    with context.engine.connect() as conn:
        diff = migrate.compare_with_models(conn)
    assert diff == [], diff
