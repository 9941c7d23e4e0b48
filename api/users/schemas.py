from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Letters (incl. Hangul), digits, space, dot, underscore, hyphen; 2-20 characters.
NICKNAME_PATTERN = r"^[\w가-힣 .-]+$"
RESERVED_NICKNAMES = frozenset({"admin", "administrator", "root", "system", "관리자", "운영자"})


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    nickname: str
    email: str | None
    profile_image_url: str | None
    created_at: datetime
    last_login_at: datetime | None


class UserUpdate(BaseModel):
    """`PATCH /users/me`: only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    nickname: str | None = Field(default=None, min_length=2, max_length=20, pattern=NICKNAME_PATTERN)
    profile_image_url: str | None = Field(
        default=None, max_length=1000, pattern=r"^https://[^\s]+$", description="an https URL, or null"
    )

    @field_validator("nickname")
    @classmethod
    def _check_nickname(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("nickname cannot be null")
        if value != value.strip():
            raise ValueError("nickname must not start or end with a space")
        if "  " in value:
            raise ValueError("nickname must not contain consecutive spaces")
        if value.casefold() in RESERVED_NICKNAMES:
            raise ValueError("this nickname is reserved")
        return value


# --- GET /users/me/stats -------------------------------------------------------------------------
class ScanStatusCounts(BaseModel):
    done: int
    failed: int
    pending: int = Field(description="queued, analysing or grounding")


class CategoryCount(BaseModel):
    category_id: str
    name_ko: str | None = Field(description="from the knowledge base; null if the category was removed")
    name_en: str | None
    count: int = Field(description="items of this category identified in the user's finished scans")


class Streak(BaseModel):
    current: int = Field(
        description="consecutive Korean calendar days with a scan, ending today or yesterday (0 otherwise)"
    )
    longest: int
    scanned_today: bool


class UserStats(BaseModel):
    total_scans: int
    by_status: ScanStatusCounts
    by_category: list[CategoryCount] = Field(description="most frequent first, then by category id")
    first_scan_at: datetime | None
    last_scan_at: datetime | None
    streak: Streak
    timezone: str = Field(description="the calendar the streak days are counted in")
