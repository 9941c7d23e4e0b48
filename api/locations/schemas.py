"""Response shapes of the locations endpoints (and of `nearest_points_for_category`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from api.locations.categories import PointType


class PointOut(BaseModel):
    id: str = Field(description="Our point id, or `kakao:<place id>` for a Kakao Local place")
    name: str
    type: PointType
    accepted_categories: list[str] = Field(description="Knowledge-base category ids this point takes")
    road_address: str | None = None
    lot_address: str | None = None
    detail: str | None = None
    lat: float
    lng: float
    distance_m: float = Field(description="Haversine distance from the query point, metres")
    open_now: bool | None = Field(description="Open at request time (Asia/Seoul); null when unknown")
    opening_hours: dict[str, Any] | None = Field(
        default=None,
        description='{"mon": [["09:00","18:00"]], ..., "weeks": {"thu": [1, 3]}} (weeks optional)',
    )
    phone: str | None = None
    source: str = Field(description="Dataset the point came from (`keco`, `sample`...) or `kakao`")
    source_date: date | None = None
    place_url: str | None = None


class PointsOut(BaseModel):
    items: list[PointOut]
    count: int
    degraded: bool = Field(
        default=False, description="Kakao Local was needed but failed: these are database-only results"
    )
    kakao_used: bool = Field(default=False, description="Kakao Local results were merged in")
