"""Collection points: bins, clean houses, recycling centres and shops, from datasets or samples."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import GUID, Base, UTCDateTime, utcnow


def pack_categories(categories: list[str] | tuple[str, ...] | set[str]) -> str:
    """`["battery", "lamp"]` -> `",battery,lamp,"`: one portable column that `LIKE '%,lamp,%'` filters."""
    ids = sorted(set(categories))
    return f",{','.join(ids)}," if ids else ""


def unpack_categories(packed: str) -> list[str]:
    return [part for part in packed.split(",") if part]


class CollectionPoint(Base):
    __tablename__ = "collection_points"
    __table_args__ = (
        UniqueConstraint("source", "source_key"),
        # Bounding-box prefilter on SQLite; PostgreSQL also has a GiST index on ll_to_earth(lat, lng)
        # created by migration 0003 (not expressible portably here).
        Index("ix_collection_points_lat_lng", "lat", "lng"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True, default=uuid.uuid4)
    type: Mapped[str] = mapped_column(String(32))
    accepted_categories: Mapped[str] = mapped_column(String(400), default="")
    name: Mapped[str] = mapped_column(String(200))
    road_address: Mapped[str | None] = mapped_column(String(300), default=None)
    lot_address: Mapped[str | None] = mapped_column(String(300), default=None)
    detail: Mapped[str | None] = mapped_column(String(500), default=None)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    opening_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    phone: Mapped[str | None] = mapped_column(String(100), default=None)
    source: Mapped[str] = mapped_column(String(64))
    source_key: Mapped[str] = mapped_column(String(200))
    source_date: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def categories(self) -> list[str]:
        return unpack_categories(self.accepted_categories)
