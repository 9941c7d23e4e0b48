"""Scans, their stage events, user feedback and the daily aggregate written by beat."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import GUID, Base, UTCDateTime, utcnow
from api.scans.status import ScanStatus


class Scan(Base):
    __tablename__ = "scans"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        Index("ix_scans_user_created", "user_id", "created_at"),
        Index("ix_scans_status_updated", "status", "updated_at"),
        Index("ix_scans_image_sha256", "image_sha256"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=ScanStatus.queued.value)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), default=None)
    upload_key: Mapped[str | None] = mapped_column(String(300), default=None)
    image_key: Mapped[str] = mapped_column(String(300))
    # The image as the client sent it, until the worker's first stage has normalised it into
    # `image_key` (api/scans/prepare.py); then None. Until then `image_sha256` hashes these bytes.
    original_key: Mapped[str | None] = mapped_column(String(300), default=None)
    image_sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lng: Mapped[float | None] = mapped_column(Float, default=None)
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    failure_code: Mapped[str | None] = mapped_column(String(50), default=None)
    failure_reason: Mapped[str | None] = mapped_column(Text, default=None)
    model: Mapped[str | None] = mapped_column(String(100), default=None)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_from: Mapped[uuid.UUID | None] = mapped_column(GUID(), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Dead-letter replays (`wastectl queues dlq replay`): how many times this failed scan was re-opened
    # (its events of each round are numbered by it) and the id of the replay that last re-opened it.
    replays: Mapped[int] = mapped_column(Integer, default=0)
    replay_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class ScanEvent(Base):
    """One row per stage reached in each round; unique per (scan, round, stage) so a redelivered task
    adds nothing. A round is one run of the scan: 0 at submit, n after its n-th dead-letter replay."""

    __tablename__ = "scan_events"
    __table_args__ = (UniqueConstraint("scan_id", "round", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scan_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScanFeedback(Base):
    __tablename__ = "scan_feedback"

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True, default=uuid.uuid4)
    scan_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("users.id", ondelete="CASCADE"))
    correct: Mapped[bool] = mapped_column(default=False)
    expected_category_id: Mapped[str | None] = mapped_column(String(50), default=None)
    # A correction of the item ("this is 우유팩"): what the user said and what we had matched.
    expected_item_id: Mapped[str | None] = mapped_column(String(60), default=None)
    predicted_item_id: Mapped[str | None] = mapped_column(String(60), default=None)
    item_index: Mapped[int] = mapped_column(Integer, default=0)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScanDailyStat(Base):
    __tablename__ = "scan_daily_stats"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scans: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    cached: Mapped[int] = mapped_column(Integer, default=0)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
