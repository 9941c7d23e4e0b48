"""Response models of the recycling endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from api.knowledge.schema import MajorClass


class _FromRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CategoryOut(_FromRow):
    id: str
    name_ko: str
    name_en: str
    major_class: MajorClass
    bin: str
    steps: list[str]
    mistakes: list[str]
    region_dependent: bool
    source: str
    item_count: int


class CategoryList(BaseModel):
    count: int
    categories: list[CategoryOut]


class CategoryRef(_FromRow):
    id: str
    name_ko: str
    name_en: str
    major_class: MajorClass


class ItemSummary(_FromRow):
    id: str
    name_ko: str
    name_en: str
    aliases: list[str]
    category_id: str
    bin: str
    region_dependent: bool


class ItemHit(ItemSummary):
    score: float | None  # None when listing without a query


class ItemSearchResult(BaseModel):
    q: str
    category: str | None
    total: int  # matches before `limit`
    count: int
    items: list[ItemHit]


class ItemDetail(ItemSummary):
    steps: list[str]
    mistakes: list[str]
    source: str
    category: CategoryRef
