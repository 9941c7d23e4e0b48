"""Housekeeping run by Celery beat (or by hand): purge old uploads/images, requeue stuck scans, stats."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.db import session_scope, utcnow
from api.scans.changes import FINAL_SCANS_UNCHANGED
from api.scans.models import Scan, ScanDailyStat
from api.scans.status import PENDING_STATUSES, ScanStatus
from api.settings import Settings
from api.storage import Storage
from api.uploads.models import Upload

log = logging.getLogger(__name__)
STATS_TZ = ZoneInfo("Asia/Seoul")
PURGED = ""
BATCH = 500


def purge_expired(
    *,
    session_factory: sessionmaker[Session],
    storage: Storage,
    settings: Settings,
    now: datetime | None = None,
) -> dict[str, int]:
    """Delete unconfirmed uploads past the upload retention, and scan images past the image retention."""
    now = now or utcnow()
    upload_cutoff = now - timedelta(hours=settings.upload_retention_hours)
    image_cutoff = now - timedelta(days=settings.image_retention_days)
    counts = {"uploads": 0, "images": 0}
    with session_scope(session_factory) as session:
        uploads = session.scalars(
            select(Upload)
            .where(Upload.confirmed_at.is_(None), Upload.created_at < upload_cutoff)
            .limit(BATCH)
        ).all()
        for upload in uploads:
            storage.delete(upload.key)
            session.delete(upload)
            counts["uploads"] += 1
        scans = session.scalars(
            select(Scan).where(Scan.created_at < image_cutoff, Scan.image_key != PURGED).limit(BATCH)
        ).all()
        for scan in scans:
            storage.delete(scan.image_key)
            for key in {scan.upload_key, scan.original_key}:
                if key:
                    storage.delete(key)
            scan.image_key = PURGED
            scan.original_key = None
            counts["images"] += 1
    return counts


def find_stuck(
    *, session_factory: sessionmaker[Session], settings: Settings, now: datetime | None = None
) -> list[tuple[uuid.UUID, str]]:
    """Scans pending longer than `scan_stuck_minutes`; their clock is reset so each sweep sends once."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=settings.scan_stuck_minutes)
    stuck: list[tuple[uuid.UUID, str]] = []
    with session_scope(session_factory) as session:
        rows = session.scalars(
            select(Scan).where(Scan.status.in_(PENDING_STATUSES), Scan.updated_at < cutoff).limit(BATCH)
        ).all()
        for scan in rows:
            stuck.append((scan.id, "post" if scan.analysis is not None else "analyse"))
            scan.updated_at = now
    return stuck


def claim_if_stuck(
    scan_id: uuid.UUID,
    *,
    session_factory: sessionmaker[Session],
    settings: Settings,
    now: datetime | None = None,
) -> bool:
    """Atomically reset the clock of one stuck scan; True for exactly one caller when it was stuck.

    The embedded profile has no beat: a poll of a scan orphaned by an API restart re-runs it.
    """
    now = now or utcnow()
    cutoff = now - timedelta(minutes=settings.scan_stuck_minutes)
    with session_scope(session_factory) as session:
        result = session.execute(
            update(Scan)
            .where(Scan.id == scan_id, Scan.status.in_(PENDING_STATUSES), Scan.updated_at < cutoff)
            .values(updated_at=now)
            .execution_options(**{FINAL_SCANS_UNCHANGED: True})  # pending ones only (api/scans/changes.py)
        )
        return bool(getattr(result, "rowcount", 0))


def aggregate_daily(day: date, *, session_factory: sessionmaker[Session]) -> ScanDailyStat:
    """Upsert the counters of one Korean calendar day (idempotent: recomputed from the scans)."""
    start = datetime(day.year, day.month, day.day, tzinfo=STATS_TZ)
    end = start + timedelta(days=1)
    with session_scope(session_factory) as session:
        row = session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((Scan.status == ScanStatus.done, 1), else_=0)), 0),
                func.coalesce(func.sum(case((Scan.status == ScanStatus.failed, 1), else_=0)), 0),
                func.coalesce(func.sum(case((Scan.cached_from.is_not(None), 1), else_=0)), 0),
                func.coalesce(func.sum(Scan.prompt_tokens), 0),
                func.coalesce(func.sum(Scan.completion_tokens), 0),
            ).where(Scan.created_at >= start, Scan.created_at < end)
        ).one()
        stat = session.get(ScanDailyStat, day) or ScanDailyStat(day=day)
        stat.scans, stat.done, stat.failed, stat.cached, stat.prompt_tokens, stat.completion_tokens = (
            int(value) for value in row
        )
        stat.updated_at = utcnow()
        session.add(stat)
    return stat


def stats_days(now: datetime | None = None) -> list[date]:
    """Yesterday and today in Korea: yesterday gets its final numbers just after midnight."""
    today = (now or utcnow()).astimezone(STATS_TZ).date()
    return [today - timedelta(days=1), today]
