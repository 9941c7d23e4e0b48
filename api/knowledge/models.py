"""Knowledge-base tables (reference data, loaded by `api.knowledge.seed.load_knowledge_base`).

Marked `info={"reference": True}`: test fixtures keep their rows between tests. `search_text`
holds the normalised names and aliases, one per line, so the database can pre-filter a search
with a single LIKE before the shared ranking in `api.knowledge.search` orders the hits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base

_REFERENCE: dict[str, Any] = {"info": {"reference": True}}


class KbCategory(Base):
    __tablename__ = "kb_categories"
    __table_args__ = _REFERENCE

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    major_class: Mapped[str] = mapped_column(String(20))
    bin: Mapped[str] = mapped_column(Text)
    steps: Mapped[list[str]] = mapped_column(JSON)
    mistakes: Mapped[list[str]] = mapped_column(JSON)
    region_dependent: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(Text)


class KbItem(Base):
    __tablename__ = "kb_items"
    __table_args__ = _REFERENCE

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[str] = mapped_column(ForeignKey("kb_categories.id"), index=True)
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    aliases: Mapped[list[str]] = mapped_column(JSON)
    bin: Mapped[str] = mapped_column(Text)
    steps: Mapped[list[str]] = mapped_column(JSON)
    mistakes: Mapped[list[str]] = mapped_column(JSON)
    region_dependent: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)
