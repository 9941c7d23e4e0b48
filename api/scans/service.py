"""Creating and reading scans. Everything a request can get wrong is refused here with a 4xx,
before anything is queued and long before any analyser call.
"""

from __future__ import annotations

import base64
import hashlib
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db import utcnow
from api.domain_errors import Conflict, Forbidden, InvalidInput, LimitReached, NotFound, TooLarge
from api.scans.models import Scan, ScanEvent, ScanFeedback
from api.scans.pipeline import ground_scan, record_event
from api.scans.prepare import original_key_for
from api.scans.runtime import ScanRuntime
from api.scans.status import ScanStatus
from api.settings import Settings
from api.storage import COPY_CHUNK, Storage
from api.uploads.images import inspect_image
from api.uploads.models import Upload
from api.users.models import User

QUOTA_TZ = ZoneInfo("Asia/Seoul")
MAX_IDEMPOTENCY_KEY = 200


@dataclass
class ScanInput:
    upload_key: str | None
    #: The multipart image: the form's spooled upload (a seekable file, read where it lies) or bytes.
    image: bytes | BinaryIO | None
    note: str | None
    lat: float | None
    lng: float | None


def validate_input(settings: Settings, data: ScanInput) -> None:
    if (data.upload_key is None) == (data.image is None):
        raise InvalidInput(
            "send exactly one of upload_key (JSON) or image (multipart)", code="image_required"
        )
    if data.note is not None and len(data.note) > settings.scan_note_max_chars:
        raise InvalidInput(
            f"note is {len(data.note)} characters; the limit is {settings.scan_note_max_chars}",
            code="note_too_long",
        )
    if (data.lat is None) != (data.lng is None):
        raise InvalidInput("send both lat and lng, or neither", code="invalid_location")
    if data.lat is not None and (not math.isfinite(data.lat) or not -90 <= data.lat <= 90):
        raise InvalidInput("lat must be between -90 and 90", code="invalid_location")
    if data.lng is not None and (not math.isfinite(data.lng) or not -180 <= data.lng <= 180):
        raise InvalidInput("lng must be between -180 and 180", code="invalid_location")


def find_idempotent(session: Session, user_id: uuid.UUID, key: str | None) -> Scan | None:
    if key is None:
        return None
    return session.scalar(select(Scan).where(Scan.user_id == user_id, Scan.idempotency_key == key))


def check_quota(
    session: Session, settings: Settings, user_id: uuid.UUID, now: datetime | None = None
) -> None:
    """Per-user daily quota (Korean calendar day); 429 with Retry-After until the next midnight."""
    now = now or utcnow()
    local = now.astimezone(QUOTA_TZ)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    used = session.scalar(
        select(func.count()).select_from(Scan).where(Scan.user_id == user_id, Scan.created_at >= start)
    )
    if (used or 0) >= settings.scan_daily_quota:
        retry_after = max(1, int((start + timedelta(days=1) - local).total_seconds()))
        raise LimitReached(
            f"daily scan quota of {settings.scan_daily_quota} reached; try again after midnight (KST)",
            code="scan_quota_exceeded",
            retry_after=retry_after,
        )


def _load_upload(
    session: Session, *, storage: Storage, settings: Settings, user_id: uuid.UUID, key: str
) -> bytes:
    upload = session.get(Upload, key)
    if upload is None:
        raise NotFound("upload_key not found; request one from POST /api/v1/uploads", code="upload_not_found")
    if upload.user_id != user_id:
        raise Forbidden("this upload_key belongs to another user", code="upload_forbidden")
    size = storage.head(key)
    if size is None:
        raise Conflict("nothing has been uploaded to this upload_key yet", code="upload_missing")
    if size > settings.upload_max_bytes:
        raise TooLarge(
            f"the upload is {size} bytes; the limit is {settings.upload_max_bytes}", code="image_too_large"
        )
    data = storage.get(key)
    if data is None:
        raise Conflict("the upload disappeared; upload again", code="upload_missing")
    return data


def create_scan(
    *,
    session: Session,
    storage: Storage,
    settings: Settings,
    user_id: uuid.UUID,
    data: ScanInput,
    idempotency_key: str | None,
) -> tuple[Scan, bool]:
    """Validate, store the image as sent and insert the scan. Returns (scan, created)."""
    if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidInput(
            f"Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} characters", code="invalid_idempotency_key"
        )
    existing = find_idempotent(session, user_id, idempotency_key)
    if existing is not None:
        return existing, False
    validate_input(settings, data)
    check_quota(session, settings, user_id)
    raw = (
        data.image
        if data.image is not None
        else _load_upload(
            session, storage=storage, settings=settings, user_id=user_id, key=data.upload_key or ""
        )
    )
    # End the read transaction first: a pooled connection idle in a transaction while the image
    # is checked and stored is one another request cannot have.
    session.commit()
    info = inspect_image(
        raw,
        max_bytes=settings.upload_max_bytes,
        max_pixels=settings.image_max_pixels,
        max_side=settings.image_output_side,
        max_decode_bytes=settings.image_decode_max_bytes,
    )
    scan_id = uuid.uuid4()
    image_key = f"scans/{user_id.hex}/{scan_id.hex}.jpg"
    # The worker normalises the image (api/scans/prepare.py); a multipart original waits for it
    # next to the key its cleaned copy gets, a ticket upload where the client put it. Stored before
    # the row lock below: an object-store PUT inside it would serialise a user's scans on the
    # network. Whatever stops the insert afterwards deletes the stored original again.
    original_key = data.upload_key or original_key_for(image_key)
    stored_here = data.upload_key is None
    if stored_here:
        storage.put(original_key, raw, info.content_type)
    scan = Scan(
        id=scan_id,
        user_id=user_id,
        idempotency_key=idempotency_key,
        upload_key=data.upload_key,
        image_key=image_key,
        original_key=original_key,
        image_sha256=_sha256(raw),
        note=data.note,
        lat=data.lat,
        lng=data.lng,
        status=ScanStatus.queued,
    )
    try:
        _insert_within_quota(session, settings, scan)
    except IntegrityError:
        session.rollback()
        if stored_here:
            storage.delete(original_key)
        again = find_idempotent(session, user_id, idempotency_key)
        if again is None:
            raise
        return again, False
    except BaseException:
        session.rollback()
        if stored_here:
            storage.delete(original_key)
        raise
    return scan, True


def _sha256(data: bytes | BinaryIO) -> str:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    data.seek(0)
    digest = hashlib.sha256()
    while chunk := data.read(COPY_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _insert_within_quota(session: Session, settings: Settings, scan: Scan) -> None:
    """Insert and commit, re-checking the quota under a lock on the user's row (held to the commit).

    Concurrent requests all pass the early check; without the lock a quota of 2 let 8 parallel
    scans through. The lock covers three statements, nothing slow.
    """
    session.execute(select(User.id).where(User.id == scan.user_id).with_for_update())
    check_quota(session, settings, scan.user_id)
    session.add(scan)
    session.flush()
    record_event(session, scan, ScanStatus.queued)
    session.commit()


def get_owned_scan(session: Session, user_id: uuid.UUID, scan_id: uuid.UUID) -> Scan:
    scan = session.get(Scan, scan_id)
    if scan is None or scan.user_id != user_id:
        raise NotFound("scan not found", code="scan_not_found")
    return scan


def events_after(session: Session, scan_id: uuid.UUID, after_id: int) -> list[ScanEvent]:
    return list(
        session.scalars(
            select(ScanEvent)
            .where(ScanEvent.scan_id == scan_id, ScanEvent.id > after_id)
            .order_by(ScanEvent.id)
        )
    )


def encode_cursor(scan: Scan) -> str:
    return base64.urlsafe_b64encode(f"{scan.created_at.isoformat()}|{scan.id.hex}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created, scan_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(created), uuid.UUID(scan_id)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(
            "cursor is not valid; use next_cursor from the previous page", code="invalid_cursor"
        ) from None


def list_scans(
    session: Session, user_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[Scan], str | None]:
    query = select(Scan).where(Scan.user_id == user_id)
    if cursor:
        created, scan_id = decode_cursor(cursor)
        query = query.where(tuple_(Scan.created_at, Scan.id) < tuple_(created, scan_id))
    rows = list(session.scalars(query.order_by(Scan.created_at.desc(), Scan.id.desc()).limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def add_feedback(
    *, session: Session, runtime: ScanRuntime, scan: Scan, user_id: uuid.UUID,
    correct: bool, expected_category_id: str | None, comment: str | None,
    expected_item_id: str | None = None, item_index: int = 0,
) -> ScanFeedback:  # fmt: skip
    if expected_category_id is not None and runtime.bundle.category(expected_category_id) is None:
        raise InvalidInput(
            f"expected_category_id {expected_category_id!r} is not a known category", code="unknown_category"
        )
    item = runtime.bundle.item(expected_item_id) if expected_item_id is not None else None
    if expected_item_id is not None and item is None:
        raise InvalidInput(
            f"expected_item_id {expected_item_id!r} is not a knowledge-base item", code="unknown_item"
        )
    items = (scan.result or {}).get("items") or []
    predicted = items[item_index].get("kb_item_id") if item_index < len(items) else None
    feedback = ScanFeedback(
        scan_id=scan.id,
        user_id=user_id,
        correct=correct,
        expected_category_id=expected_category_id or (item.category_id if item is not None else None),
        expected_item_id=expected_item_id,
        predicted_item_id=predicted,
        item_index=item_index,
        comment=comment,
    )
    session.add(feedback)
    if item is not None and scan.status == ScanStatus.done and item_index < len(items):
        entry = {"index": item_index, "item_id": item.id, "at": utcnow().isoformat()}
        earlier = (scan.result or {}).get("answers", [])
        scan.result = ground_scan(runtime, session, scan, answers=[*earlier, entry])
    session.commit()
    return feedback
