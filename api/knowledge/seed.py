"""Load the knowledge base into the `kb_*` tables: an idempotent upsert from the packaged YAML.

Rows that already match are left alone, changed rows are updated, rows no longer in the files are
deleted, so running it on every start or deploy is cheap and converges on the files' content.
The caller owns the transaction (`load_knowledge_base` flushes, never commits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.db import session_scope
from api.knowledge.bundle import KnowledgeBundle
from api.knowledge.loader import load_bundle
from api.knowledge.models import KbCategory, KbItem
from api.knowledge.search import search_terms

if TYPE_CHECKING:
    from api.context import AppContext

_Row = TypeVar("_Row", KbCategory, KbItem)


@dataclass(frozen=True)
class LoadResult:
    inserted: int
    updated: int
    deleted: int
    total: int

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted


def _category_rows(bundle: KnowledgeBundle) -> dict[str, dict[str, Any]]:
    return {c.id: {**c.model_dump(), "position": n} for n, c in enumerate(bundle.categories)}


def _item_rows(bundle: KnowledgeBundle) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for n, item in enumerate(bundle.items):
        terms = search_terms((item.name_ko, item.name_en), item.aliases)
        rows[item.id] = {
            **item.model_dump(exclude={"hazard", "conditions", "assume"}),
            "position": n,
            "search_text": "\n".join(terms),
        }
    return rows


def _upsert(session: Session, model: type[_Row], wanted: dict[str, dict[str, Any]]) -> tuple[int, int]:
    existing = {row.id: row for row in session.scalars(select(model))}
    inserted = updated = 0
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            session.add(model(**values))
            inserted += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            updated += 1
    return inserted, updated


def _delete_stale(session: Session, model: type[_Row], ids: set[str]) -> int:
    stale = set(session.scalars(select(model.id))) - ids
    if stale:
        session.execute(delete(model).where(model.id.in_(stale)))
    return len(stale)


def load_knowledge_base(session: Session, *, bundle: KnowledgeBundle | None = None) -> LoadResult:
    """Make the `kb_*` tables equal to `bundle` (default: the packaged files); returns the counts."""
    bundle = bundle or load_bundle()
    categories, items = _category_rows(bundle), _item_rows(bundle)
    deleted = _delete_stale(session, KbItem, set(items))
    cat_inserted, cat_updated = _upsert(session, KbCategory, categories)
    session.flush()
    item_inserted, item_updated = _upsert(session, KbItem, items)
    session.flush()
    deleted += _delete_stale(session, KbCategory, set(categories))
    session.flush()
    return LoadResult(
        inserted=cat_inserted + item_inserted,
        updated=cat_updated + item_updated,
        deleted=deleted,
        total=len(categories) + len(items),
    )


def seed_knowledge_base(context: AppContext) -> int:
    """`api.seed` seeder: load the knowledge base in its own transaction; returns the row count."""
    with session_scope(context.session_factory) as session:
        return load_knowledge_base(session).total
