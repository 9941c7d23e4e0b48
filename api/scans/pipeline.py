"""The scan pipeline stages, shared by the in-process runner and the Celery tasks.

`analyse` (LLM-bound: queue `scan.analyse`) stores the analyser's identification on the scan;
`post` (queue `scan.post`) grounds it in the knowledge base and writes the result. Both are
idempotent: a redelivered `analyse` whose analysis is already stored goes straight to `post`,
and a `post` on a finished scan does nothing, so a scan completes exactly once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from api.analyser.base import Analysis, PermanentAnalyserError
from api.analyser.offline import OFFLINE_MODEL
from api.db import session_scope, utcnow
from api.kakao import KakaoError
from api.scans.grounding import build_result
from api.scans.models import Scan, ScanEvent
from api.scans.nearby import nearest_points
from api.scans.policy import ScanPolicy
from api.scans.prepare import prepare_image
from api.scans.runtime import ScanRuntime
from api.scans.status import FINAL_STATUSES, ScanStatus
from api.telemetry import seconds_since
from api.uploads.models import Upload

log = logging.getLogger(__name__)


class Next(StrEnum):
    post = "post"
    stop = "stop"


def record_event(session: Session, scan: Scan, stage: str, detail: str | None = None) -> None:
    """Add a stage event once per round; a redelivered task reaching the same stage adds nothing.

    One `INSERT ... ON CONFLICT DO NOTHING` on the (scan, round, stage) constraint rather than a
    lookup then an insert: a round trip less per stage, and no race between two deliveries.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(ScanEvent)
        .values(scan_id=scan.id, round=scan.replays or 0, stage=stage, detail=detail, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["scan_id", "round", "stage"])
    )


def _cached_analysis(session: Session, runtime: ScanRuntime, scan: Scan) -> Scan | None:
    """An earlier model analysis of the identical image (content hash) within the TTL."""
    ttl = runtime.settings.scan_cache_ttl_seconds
    analyser = runtime.analyser
    if ttl <= 0 or analyser.name == "offline":
        return None
    since = utcnow() - timedelta(seconds=ttl)
    return session.scalar(
        select(Scan)
        .where(
            Scan.image_sha256 == scan.image_sha256,
            Scan.status == ScanStatus.done,
            Scan.id != scan.id,
            Scan.cached_from.is_(None),
            Scan.finished_at >= since,
            Scan.model != OFFLINE_MODEL,
        )
        .order_by(Scan.finished_at.desc())
        .limit(1)
    )


def _reuse_cached(session: Session, runtime: ScanRuntime, scan: Scan) -> bool:
    """Take the analysis of an identical image within the TTL; True when there was one."""
    cached = _cached_analysis(session, runtime, scan)
    if cached is None or cached.analysis is None:
        return False
    scan.analysis = dict(cached.analysis)
    scan.cached_from = cached.id
    scan.model = cached.model
    scan.status = ScanStatus.grounding
    scan.updated_at = utcnow()
    record_event(session, scan, ScanStatus.analysing, "reused the analysis of an identical image")
    record_event(session, scan, ScanStatus.grounding)
    runtime.telemetry.cache_hits.inc()
    return True


def analyse(runtime: ScanRuntime, scan_id: uuid.UUID) -> Next:
    """Stage 1: normalise the stored image (`prepare_image`), then the model call.

    Raises Transient/PermanentAnalyserError from the analyser or the image work.
    """
    factory = runtime.session_factory
    with session_scope(factory) as session:
        scan = session.get(Scan, scan_id)
        if scan is None or scan.status in FINAL_STATUSES:
            return Next.stop
        if scan.analysis is not None:
            return Next.post
        first_run = scan.attempts == 0 and not scan.replays
        if scan.original_key is None and _reuse_cached(session, runtime, scan):
            runtime.telemetry.stage_done(ScanStatus.queued, seconds_since(scan.created_at))
            return Next.post
        if scan.attempts >= ScanPolicy.from_settings(runtime.settings).max_attempts:
            # Redelivered again and again (a worker dying on this scan): a poison message, stop the loop.
            raise PermanentAnalyserError(
                "too_many_attempts", f"analysis started {scan.attempts} times without finishing"
            )
        if first_run:
            runtime.telemetry.stage_done(ScanStatus.queued, seconds_since(scan.created_at))
        scan.status = ScanStatus.analysing
        scan.attempts += 1
        scan.updated_at = utcnow()
        record_event(session, scan, ScanStatus.analysing)
        image_key, note, original_key = scan.image_key, scan.note, scan.original_key
        upload_key = scan.upload_key
    if original_key is not None:
        # Counted as an attempt above, so an image that kills the worker is a poison message too.
        sha256 = prepare_image(
            runtime, scan_id, original_key=original_key, image_key=image_key, upload_key=upload_key
        )
        with session_scope(factory) as session:  # records the preparation, then the cache lookup
            scan = session.get(Scan, scan_id)
            if scan is None or scan.status in FINAL_STATUSES:
                return Next.stop
            scan.image_sha256, scan.original_key = sha256, None
            if _reuse_cached(session, runtime, scan):
                return Next.post
    image = runtime.storage.get(image_key)
    if image is None:
        raise PermanentAnalyserError("image_missing", f"the stored image {image_key} is gone")
    analyser = runtime.analyser
    analysing_started = utcnow()
    with runtime.telemetry.llm_call(analyser.name, getattr(analyser, "model", analyser.name)) as got:
        analysis = analyser.analyse(image=image, content_type="image/jpeg", note=note)
        got.append(analysis)
    with session_scope(factory) as session:
        scan = session.get(Scan, scan_id)
        if scan is None or scan.status in FINAL_STATUSES:
            return Next.stop
        scan.analysis = analysis.to_dict()
        scan.model = analysis.model
        scan.prompt_tokens = analysis.prompt_tokens
        scan.completion_tokens = analysis.completion_tokens
        scan.status = ScanStatus.grounding
        scan.updated_at = utcnow()
        record_event(session, scan, ScanStatus.grounding)
    runtime.telemetry.stage_done(ScanStatus.analysing, seconds_since(analysing_started))
    return Next.post


def scan_region(runtime: ScanRuntime, *, lat: float, lng: float) -> dict[str, str] | None:
    """시도/시군구 of the scan's location via Kakao Local coord2regioncode (cached in Redis by the
    client); None when Kakao is not configured or fails: the national guidance is used then."""
    client = runtime.kakao()
    if client is None:
        return None
    try:
        with client:
            found = client.region(lat=lat, lng=lng)
    except KakaoError as exc:
        log.warning("reverse geocoding failed; national guidance only: %s", exc)
        return None
    return None if found is None else {"sido": found.sido, "sigungu": found.sigungu, "code": found.code}


def ground_scan(
    runtime: ScanRuntime, session: Session, scan: Scan, answers: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The scan's result from its stored analysis (no analyser call): also used to re-ground after
    the user answers a question or corrects an item."""
    analysis = Analysis.from_dict(dict(scan.analysis or {}))
    lookup = None
    region = None
    if scan.lat is not None and scan.lng is not None:
        lat, lng = scan.lat, scan.lng
        if scan.result and "region" in scan.result:  # re-grounding: the district is already known
            region = scan.result["region"]
        else:
            region = scan_region(runtime, lat=lat, lng=lng)

        def lookup(category: str) -> list[dict[str, Any]]:
            return nearest_points(
                session=session, settings=runtime.settings, lat=lat, lng=lng, category=category
            )

    return build_result(
        runtime.bundle, analysis, nearby=lookup, cached=scan.cached_from is not None,
        threshold=runtime.settings.scan_confidence_threshold, answers=answers, region=region,
    )  # fmt: skip


def post(runtime: ScanRuntime, scan_id: uuid.UUID) -> bool:
    """Stage 2: ground in the knowledge base and finish. Returns False when there was nothing to do."""
    with session_scope(runtime.session_factory) as session:
        scan = session.get(Scan, scan_id, with_for_update=True)
        if scan is None or scan.status in FINAL_STATUSES or scan.analysis is None:
            return False
        grounding_since = scan.updated_at
        scan.result = ground_scan(runtime, session, scan)
        scan.status = ScanStatus.done
        scan.updated_at = scan.finished_at = utcnow()
        record_event(session, scan, ScanStatus.done)
        created_at = scan.created_at
        if scan.upload_key:
            upload = session.get(Upload, scan.upload_key)
            if upload is not None and upload.confirmed_at is None:
                upload.confirmed_at = utcnow()
    # Counted once the transaction committed (a failed commit raises and the task retries).
    runtime.telemetry.stage_done(ScanStatus.grounding, seconds_since(grounding_since))
    runtime.telemetry.scan_finished(ScanStatus.done, created_at)
    return True


def mark_failed(runtime: ScanRuntime, scan_id: uuid.UUID, code: str, reason: str) -> None:
    with session_scope(runtime.session_factory) as session:
        scan = session.get(Scan, scan_id)
        if scan is None or scan.status in FINAL_STATUSES:
            return
        scan.status = ScanStatus.failed
        scan.failure_code = code
        scan.failure_reason = reason[:2000]
        scan.updated_at = scan.finished_at = utcnow()
        record_event(session, scan, ScanStatus.failed, f"{code}: {reason}"[:500])
        created_at = scan.created_at
    runtime.telemetry.scan_finished(ScanStatus.failed, created_at, code)
    log.warning("scan %s failed: %s: %s", scan_id, code, reason)


def reopen_for_replay(runtime: ScanRuntime, scan_id: uuid.UUID, replay_id: str) -> bool:
    """Re-open a failed scan for a dead-letter replay (`wastectl queues dlq replay`), once per replay id.

    Only `failed` scans are re-opened: a done scan stays done, a pending one is already running. The
    failure is cleared, `attempts` restarts at 0 (so `too_many_attempts` does not refire at once), a
    new event round starts with a `queued` event (SSE clients see the scan come back), and the replay
    id is stored so a second copy of the same replayed message re-opens nothing. Row-locked, so two
    copies delivered at once cannot both re-open it.
    """
    with session_scope(runtime.session_factory) as session:
        scan = session.get(Scan, scan_id, with_for_update=True)
        if scan is None or scan.status != ScanStatus.failed or scan.replay_id == replay_id:
            return False
        previous = f"{scan.failure_code}: {scan.failure_reason}"
        scan.status = ScanStatus.queued
        scan.failure_code = scan.failure_reason = None
        scan.finished_at = None
        scan.attempts = 0
        scan.replays = (scan.replays or 0) + 1
        scan.replay_id = replay_id
        scan.updated_at = utcnow()
        record_event(
            session, scan, ScanStatus.queued, f"replayed from the dead-letter queue after {previous}"[:500]
        )
    log.info("scan %s re-opened by dead-letter replay %s", scan_id, replay_id)
    return True


def is_duplicate_replay(runtime: ScanRuntime, scan_id: uuid.UUID, replay_id: str) -> bool:
    """True when the scan was already re-opened by this replay id (another copy of the message)."""
    with session_scope(runtime.session_factory) as session:
        scan = session.get(Scan, scan_id)
        return scan is not None and scan.replay_id == replay_id
