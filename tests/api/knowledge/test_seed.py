"""Loading into the database: migration 0004 on SQLite and PostgreSQL, idempotent upsert."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from api import migrate
from api.context import AppContext
from api.db import create_db_engine, make_session_factory, session_scope
from api.knowledge import load_bundle, load_knowledge_base
from api.knowledge.models import KbCategory, KbItem
from api.seed import development_seeders, seed_development_data


def expected_rows() -> int:
    bundle = load_bundle()
    return len(bundle.categories) + len(bundle.items)


def test_migration_and_load_on_sqlite_are_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    migrate.upgrade(url, "0004")
    engine = create_db_engine(url)
    try:
        assert {"kb_categories", "kb_items"} <= set(inspect(engine).get_table_names())
        factory = make_session_factory(engine)
        with session_scope(factory) as session:
            first = load_knowledge_base(session)
        with session_scope(factory) as session:
            second = load_knowledge_base(session)
            assert session.scalar(select(func.count()).select_from(KbItem)) == len(load_bundle().items)
        assert first.inserted == first.total == expected_rows()
        assert (second.inserted, second.updated, second.deleted) == (0, 0, 0)
        migrate.upgrade(url, "0004")  # already at the revision: a no-op, data kept
        with session_scope(factory) as session:
            assert load_knowledge_base(session).changed == 0
    finally:
        engine.dispose()
    migrate.downgrade(url, "0001")
    engine = create_db_engine(url)
    assert "kb_items" not in inspect(engine).get_table_names()
    engine.dispose()


@pytest.mark.services
def test_reload_on_postgres_repairs_drift_and_removes_stale_rows(context: AppContext) -> None:
    with session_scope(context.session_factory) as session:
        load_knowledge_base(session)
    with session_scope(context.session_factory) as session:
        assert load_knowledge_base(session).changed == 0
        row = session.get(KbItem, "clear_pet_bottle")
        assert row is not None
        row.bin = "edited by hand"
        row.aliases = []
        session.add(
            KbItem(
                id="stale_item", position=999, category_id="general", name_ko="옛 품목", name_en="Old",
                aliases=[], bin="x", steps=["x"], mistakes=["x"], region_dependent=False, source="x",
                search_text="옛품목",
            )
        )  # fmt: skip
    with session_scope(context.session_factory) as session:
        result = load_knowledge_base(session)
    assert (result.inserted, result.updated, result.deleted) == (0, 1, 1)
    with session_scope(context.session_factory) as session:
        row = session.get(KbItem, "clear_pet_bottle")
        assert row is not None and row.bin == load_bundle().item("clear_pet_bottle").bin  # type: ignore[union-attr]
        assert "생수병" in row.aliases
        assert session.get(KbItem, "stale_item") is None
        assert session.scalar(select(func.count()).select_from(KbCategory)) == len(load_bundle().categories)


@pytest.mark.services
def test_development_seeder_loads_the_knowledge_base(context: AppContext) -> None:
    assert "knowledge_base" in development_seeders()
    assert seed_development_data(context)["knowledge_base"] == expected_rows()
