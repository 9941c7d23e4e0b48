"""Request and response models of the scans API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ScanStatus = Literal["queued", "analysing", "grounding", "done", "failed"]


class ScanCreate(BaseModel):
    """JSON body of `POST /scans` (multipart clients send `image`, `note`, `lat`, `lng` instead)."""

    model_config = ConfigDict(extra="forbid")

    upload_key: str = Field(min_length=1, max_length=300)
    note: str | None = None
    lat: float | None = None
    lng: float | None = None


class ScanAccepted(BaseModel):
    id: uuid.UUID
    status: ScanStatus
    result_url: str
    events_url: str


class ResultItem(BaseModel):
    label: str
    material: str | None
    shape: str | None
    is_mixed: bool
    contamination: str | None
    category_id: str
    category_name: str | None = None
    kb_item_id: str | None
    kb_item_name: str | None = None
    confidence: float
    bin: str | None
    steps: list[str]
    mistakes: list[str]
    region_dependent: bool
    source: str | None = None


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ScanResult(BaseModel):
    items: list[ResultItem]
    coaching: str
    provider: str
    model: str
    offline: bool
    usage: Usage
    cached: bool
    nearby_points: list[dict[str, object]] | None = Field(
        default=None, description="nearest matching recycling points when lat/lng were given"
    )


class ScanFailure(BaseModel):
    code: str
    reason: str


class ScanOut(BaseModel):
    id: uuid.UUID
    status: ScanStatus
    note: str | None
    lat: float | None
    lng: float | None
    created_at: datetime
    finished_at: datetime | None
    result: ScanResult | None = None
    failure: ScanFailure | None = None


class ScanSummary(BaseModel):
    id: uuid.UUID
    status: ScanStatus
    note: str | None
    created_at: datetime
    top_label: str | None
    top_category_id: str | None


class ScanPage(BaseModel):
    items: list[ScanSummary]
    next_cursor: str | None


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    correct: bool = False
    expected_category_id: str | None = Field(default=None, max_length=50)
    comment: str | None = Field(default=None, max_length=1000)


class FeedbackOut(BaseModel):
    id: uuid.UUID
    scan_id: uuid.UUID
    correct: bool
    expected_category_id: str | None
    comment: str | None
    created_at: datetime
