"""Request and response models of the scans API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.scans.status import ScanStatus


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


class AnswerOption(BaseModel):
    value: str = Field(description="send this back as `value` (or as `item_id` for an item question)")
    label: str | None
    bin: str | None = Field(default=None, description="where the object goes with this answer")


class Question(BaseModel):
    kind: Literal["item", "attribute"]
    attribute: str | None = Field(default=None, description="for kind=attribute: what is asked")
    text: str | None
    answers: list[AnswerOption]


class Alternative(BaseModel):
    kb_item_id: str
    name: str | None
    category_id: str
    bin: str | None


class ResultItem(BaseModel):
    label: str
    status: Literal["confirmed", "needs_answer", "unknown"] = "confirmed"
    material: str | None
    shape: str | None = None
    is_mixed: bool
    contamination: str | None
    attributes: dict[str, str] = Field(default_factory=dict)
    category_id: str | None
    category_name: str | None = None
    kb_item_id: str | None
    kb_item_name: str | None = None
    confidence: float
    hazard: str | None = Field(default=None, description="shown before any step")
    bin: str | None
    steps: list[str]
    mistakes: list[str]
    common_mistake: str | None = None
    region_dependent: bool
    source: str | None = None
    question: Question | None = None
    alternatives: list[Alternative] = Field(default_factory=list)
    local_rule: dict[str, str] | None = Field(
        default=None,
        description="the district (시도, 시군구) whose own rule changed this guidance, and its source",
    )
    nearby_points: list[dict[str, object]] | None = None


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
        default=None, description="the first item's nearest points (each item carries its own)"
    )
    language: Literal["ko", "en"] = "ko"
    region: dict[str, str] | None = Field(
        default=None, description="시도/시군구 of the scan's location (reverse geocoded), when known"
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
    expected_item_id: str | None = Field(default=None, max_length=60)
    item_index: int = Field(default=0, ge=0, le=4)
    comment: str | None = Field(default=None, max_length=1000)


class AnswerCreate(BaseModel):
    """Reply to an item's question (`attribute` + `value`), or correct the item (`item_id`, or `text`
    such as "이건 우유팩이에요" that is searched in the knowledge base)."""

    model_config = ConfigDict(extra="forbid")

    item_index: int = Field(default=0, ge=0, le=4)
    attribute: str | None = Field(default=None, max_length=30)
    value: str | None = Field(default=None, max_length=30)
    item_id: str | None = Field(default=None, max_length=60)
    text: str | None = Field(default=None, min_length=1, max_length=200)


class FeedbackOut(BaseModel):
    id: uuid.UUID
    scan_id: uuid.UUID
    correct: bool
    expected_category_id: str | None
    expected_item_id: str | None = None
    comment: str | None
    created_at: datetime
