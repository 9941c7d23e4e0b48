"""The scan pipeline stages, shared by the in-process runner and the Celery tasks.

`analyse` (LLM-bound: queue `scan.analyse`) stores the analyser's identification on the scan;
`post` (queue `scan.post`) grounds it in the knowledge base and writes the result. Both are
idempotent: a redelivered `analyse` whose analysis is already stored goes straight to `post`,
and a `post` on a finished scan does nothing, so a scan completes exactly once.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.analyser.base import Analysis, PermanentAnalyserError
from api.analyser.offline import OFFLINE_MODEL
from api.db import session_scope, utcnow
from api.scans.grounding import build_result
from api.scans.models import FINAL_STATUSES, Scan, ScanEvent
from api.scans.nearby import nearest_points
from api.scans.runtime import ScanRuntime
from api.settings import Settings
from api.telemetry import Stage, seconds_since
from api.uploads.models import Upload

log = logging.getLogger(__name__)


class Next(StrEnum):
    post = "post"
    stop = "stop"


def record_event(session: Session, scan: Scan, stage: str, detail: str | None = None) -> None:
    """Add a stage event once per round; a redelivered task reaching the same stage adds nothing."""
    round_ = scan.replays or 0
    exists = session.scalar(
        select(ScanEvent.id).where(
            ScanEvent.scan_id == scan.id, ScanEvent.round == round_, ScanEvent.stage == stage
        )
    )
    if exists is None:
        session.add(ScanEvent(scan_id=scan.id, round=round_, stage=stage, detail=detail))


def backoff_seconds(settings: Settings, attempt: int) -> float:
    """Exponential backoff with full jitter: uniform(0.5, 1) x min(max, base x 2^(attempt-1))."""
    ceiling = min(
        settings.scan_retry_max_seconds, settings.scan_retry_base_seconds * 2 ** max(0, attempt - 1)
    )
    return float(ceiling) * random.uniform(0.5, 1.0)


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
            Scan.status == "done",
            Scan.id != scan.id,
            Scan.cached_from.is_(None),
            Scan.finished_at >= since,
            Scan.model != OFFLINE_MODEL,
        )
        .order_by(Scan.finished_at.desc())
        .limit(1)
    )


def analyse(runtime: ScanRuntime, scan_id: uuid.UUID) -> Next:
    """Stage 1. Raises Transient/PermanentAnalyserError from the analyser."""
    factory = runtime.context.session_factory
    with session_scope(factory) as session:
        scan = session.get(Scan, scan_id)
        if scan is None or scan.status in FINAL_STATUSES:
            return Next.stop
        if scan.analysis is not None:
            return Next.post
        cached = _cached_analysis(session, runtime, scan)
        if cached is not None and cached.analysis is not None:
            scan.analysis = dict(cached.analysis)
            scan.cached_from = cached.id
            scan.model = cached.model
            scan.status = "grounding"
            scan.updated_at = utcnow()
            record_event(session, scan, "analysing", "reused the analysis of an identical image")
            record_event(session, scan, "grounding")
            runtime.context.telemetry.cache_hits.inc()
            runtime.context.telemetry.stage_done(Stage.queued, seconds_since(scan.created_at))
            return Next.post
        if scan.attempts >= runtime.settings.scan_max_attempts:
            # Redelivered again and again (a worker dying on this scan): a poison message, stop the loop.
            raise PermanentAnalyserError(
                "too_many_attempts", f"analysis started {scan.attempts} times without finishing"
            )
        if scan.attempts == 0 and not scan.replays:
            runtime.context.telemetry.stage_done(Stage.queued, seconds_since(scan.created_at))
        scan.status = "analysing"
        scan.attempts += 1
        scan.updated_at = utcnow()
        record_event(session, scan, "analysing")
        image_key, note = scan.image_key, scan.note
    image = runtime.storage.get(image_key)
    if image is None:
        raise PermanentAnalyserError("image_missing", f"the stored image {image_key} is gone")
    analyser = runtime.analyser
    analysing_started = utcnow()
    with runtime.context.telemetry.llm_call(analyser.name, getattr(analyser, "model", analyser.name)) as got:
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
        scan.status = "grounding"
        scan.updated_at = utcnow()
        record_event(session, scan, "grounding")
    runtime.context.telemetry.stage_done(Stage.analysing, seconds_since(analysing_started))
    return Next.post


def post(runtime: ScanRuntime, scan_id: uuid.UUID) -> bool:
    """Stage 2: ground in the knowledge base and finish. Returns False when there was nothing to do."""
    with session_scope(runtime.context.session_factory) as session:
        scan = session.get(Scan, scan_id, with_for_update=True)
        if scan is None or scan.status in FINAL_STATUSES or scan.analysis is None:
            return False
        analysis = Analysis.from_dict(scan.analysis)
        nearby = None
        if scan.lat is not None and scan.lng is not None:
            nearby = []
            if analysis.items:
                nearby = nearest_points(
                    session=session,
                    settings=runtime.settings,
                    lat=scan.lat,
                    lng=scan.lng,
                    category=analysis.items[0].category_id,
                )
        grounding_since = scan.updated_at
        scan.result = build_result(
            runtime.bundle, analysis, nearby=nearby, cached=scan.cached_from is not None
        )
        scan.status = "done"
        scan.updated_at = scan.finished_at = utcnow()
        record_event(session, scan, "done")
        created_at = scan.created_at
        if scan.upload_key:
            upload = session.get(Upload, scan.upload_key)
            if upload is not None and upload.confirmed_at is None:
                upload.confirmed_at = utcnow()
    # Counted once the transaction committed (a failed commit raises and the task retries).
    runtime.context.telemetry.stage_done(Stage.grounding, seconds_since(grounding_since))
    runtime.context.telemetry.scan_finished("done", created_at)
    return True


def mark_failed(runtime: ScanRuntime, scan_id: uuid.UUID, code: str, reason: str) -> None:
    with session_scope(runtime.context.session_factory) as session:
        scan = session.get(Scan, scan_id)
        if scan is None or scan.status in FINAL_STATUSES:
            return
        scan.status = "failed"
        scan.failure_code = code
        scan.failure_reason = reason[:2000]
        scan.updated_at = scan.finished_at = utcnow()
        record_event(session, scan, "failed", f"{code}: {reason}"[:500])
        created_at = scan.created_at
    runtime.context.telemetry.scan_finished("failed", created_at, code)
    log.warning("scan %s failed: %s: %s", scan_id, code, reason)


def reopen_for_replay(runtime: ScanRuntime, scan_id: uuid.UUID, replay_id: str) -> bool:
    """Re-open a failed scan for a dead-letter replay (`wastectl queues dlq replay`), once per replay id.

    Only `failed` scans are re-opened: a done scan stays done, a pending one is already running. The
    failure is cleared, `attempts` restarts at 0 (so `too_many_attempts` does not refire at once), a
    new event round starts with a `queued` event (SSE clients see the scan come back), and the replay
    id is stored so a second copy of the same replayed message re-opens nothing. Row-locked, so two
    copies delivered at once cannot both re-open it.
    """
    with session_scope(runtime.context.session_factory) as session:
        scan = session.get(Scan, scan_id, with_for_update=True)
        if scan is None or scan.status != "failed" or scan.replay_id == replay_id:
            return False
        previous = f"{scan.failure_code}: {scan.failure_reason}"
        scan.status = "queued"
        scan.failure_code = scan.failure_reason = None
        scan.finished_at = None
        scan.attempts = 0
        scan.replays = (scan.replays or 0) + 1
        scan.replay_id = replay_id
        scan.updated_at = utcnow()
        record_event(session, scan, "queued", f"replayed from the dead-letter queue after {previous}"[:500])
    log.info("scan %s re-opened by dead-letter replay %s", scan_id, replay_id)
    return True


def is_duplicate_replay(runtime: ScanRuntime, scan_id: uuid.UUID, replay_id: str) -> bool:
    """True when the scan was already re-opened by this replay id (another copy of the message)."""
    with session_scope(runtime.context.session_factory) as session:
        scan = session.get(Scan, scan_id)
        return scan is not None and scan.replay_id == replay_id
