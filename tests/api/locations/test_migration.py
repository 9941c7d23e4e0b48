"""Migration 0003 on SQLite: creates the table and indexes, and downgrades cleanly."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import create_engine, inspect

from api import migrate
from api.settings import Settings


def test_upgrade_and_downgrade_on_sqlite(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    settings.data_dir.mkdir(parents=True)
    url = settings.resolved_database_url
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        assert "collection_points" in inspector.get_table_names()
        assert "ix_collection_points_lat_lng" in {
            ix["name"] for ix in inspector.get_indexes("collection_points")
        }
        uniques = inspector.get_unique_constraints("collection_points")
        assert [u["column_names"] for u in uniques] == [["source", "source_key"]]
        migrate.downgrade(url, "0003-1")
        assert "collection_points" not in inspect(engine).get_table_names()
        assert "users" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
