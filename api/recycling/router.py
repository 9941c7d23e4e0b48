"""`/api/v1/recycling`: separation categories, item search and item guidance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from api.deps import SessionDep
from api.errors import ApiError, error_responses
from api.recycling import service
from api.recycling.schemas import (
    CategoryList,
    CategoryOut,
    CategoryRef,
    ItemDetail,
    ItemHit,
    ItemSearchResult,
)

router = APIRouter(prefix="/recycling", tags=["recycling"])

MAX_QUERY_LENGTH = 100
MAX_LIMIT = 100
ID_PATTERN = r"^[a-z][a-z0-9_]*$"

QueryText = Annotated[
    str, Query(max_length=MAX_QUERY_LENGTH, description="Korean or English name or alias; partial match")
]
CategoryFilter = Annotated[str | None, Query(max_length=60, description="Only items of this category id")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many items")]


@router.get("/categories", response_model=CategoryList)
def list_categories(session: SessionDep) -> CategoryList:
    """All separation categories (major classes and recyclable sub-classes) with their guidance."""
    rows = service.list_categories(session=session)
    categories = [CategoryOut(**_attrs(c, CategoryOut, skip="item_count"), item_count=n) for c, n in rows]
    return CategoryList(count=len(categories), categories=categories)


@router.get("/items", response_model=ItemSearchResult, responses=error_responses(422))
def search_items(
    session: SessionDep, q: QueryText = "", category: CategoryFilter = None, limit: Limit = 20
) -> ItemSearchResult:
    """Items ranked by match (exact > prefix > word prefix > substring); file order when `q` is empty."""
    if category is not None and not service.category_exists(session=session, category_id=category):
        raise _unknown_category(category)
    page = service.search_items(session=session, q=q, category=category, limit=limit)
    items = [ItemHit(**_attrs(row, ItemHit, skip="score"), score=score) for row, score in page.hits]
    return ItemSearchResult(q=q, category=category, total=page.total, count=len(items), items=items)


@router.get("/items/{item_id}", response_model=ItemDetail, responses=error_responses(404, 422))
def read_item(
    session: SessionDep, item_id: Annotated[str, Path(max_length=60, pattern=ID_PATTERN)]
) -> ItemDetail:
    """One item's full guidance: bin, preparation steps, common mistakes, region dependence, sources."""
    found = service.get_item(session=session, item_id=item_id)
    if found is None:
        raise ApiError(
            404,
            f"no knowledge-base item with id {item_id!r}; search with GET /api/v1/recycling/items?q=",
            code="item_not_found",
        )
    item, category = found
    return ItemDetail(
        **_attrs(item, ItemDetail, skip="category"), category=CategoryRef.model_validate(category)
    )


def _unknown_category(category: str) -> RequestValidationError:
    """A 422 in FastAPI's own shape, so clients see the field (`query.category`) like any other."""
    message = f"unknown category {category!r}; the ids are listed by GET /api/v1/recycling/categories"
    error = {"type": "value_error", "loc": ("query", "category"), "msg": message, "input": category}
    return RequestValidationError([error])


def _attrs(row: object, model: type[BaseModel], *, skip: str) -> dict[str, Any]:
    """The row's attributes named like the response model's fields (except `skip`)."""
    return {name: getattr(row, name) for name in model.model_fields if name != skip}
