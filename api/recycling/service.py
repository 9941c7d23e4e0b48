"""Queries behind the recycling endpoints: the seeded `kb_*` tables, ranked like the bundle."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.knowledge.models import KbCategory, KbItem
from api.knowledge.search import match_score, normalize_query


@dataclass(frozen=True)
class SearchPage:
    total: int
    hits: list[tuple[KbItem, float | None]]


def list_categories(*, session: Session) -> list[tuple[KbCategory, int]]:
    """Every category in file order with the number of items in it."""
    counts = select(KbItem.category_id, func.count().label("n")).group_by(KbItem.category_id).subquery()
    rows = session.execute(
        select(KbCategory, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.category_id == KbCategory.id)
        .order_by(KbCategory.position)
    )
    return [(category, int(n)) for category, n in rows]


def category_exists(*, session: Session, category_id: str) -> bool:
    return session.get(KbCategory, category_id) is not None


def search_items(*, session: Session, q: str, category: str | None, limit: int) -> SearchPage:
    """Items whose name or alias matches `q` (best first); without a query, items in file order.

    The database narrows the candidates with one LIKE on the normalised `search_text`; the shared
    scorer (`api.knowledge.search`) then orders them exactly as `KnowledgeBundle.search` would.
    """
    query = normalize_query(q)
    stmt = select(KbItem)
    if category is not None:
        stmt = stmt.where(KbItem.category_id == category)
    if not query:
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = session.scalars(stmt.order_by(KbItem.position).limit(limit))
        return SearchPage(total=total, hits=[(row, None) for row in rows])
    singular = query[:-1] if query.isascii() and query.endswith("s") else query
    candidates = session.scalars(stmt.where(KbItem.search_text.contains(singular, autoescape=True)))
    scored = [(row, match_score(query, (row.name_ko, row.name_en), row.aliases)) for row in candidates]
    ranked = sorted(
        ((row, score) for row, score in scored if score > 0),
        key=lambda hit: (-hit[1], len(hit[0].name_ko), hit[0].position),
    )
    return SearchPage(total=len(ranked), hits=[(row, score) for row, score in ranked[:limit]])


def get_item(*, session: Session, item_id: str) -> tuple[KbItem, KbCategory] | None:
    row = session.execute(
        select(KbItem, KbCategory)
        .join(KbCategory, KbItem.category_id == KbCategory.id)
        .where(KbItem.id == item_id)
    ).first()
    return None if row is None else (row[0], row[1])
