"""Scan tasks: `scans.analyse` (queue scan.analyse, LLM-bound) and `scans.post` (queue scan.post).

Transient analyser errors are retried with exponential backoff + jitter (`task.retry`); permanent
ones mark the scan failed with the reason and `Reject(requeue=False)` the message into its DLQ.
Both tasks are idempotent (see api.scans.pipeline), so redelivery after a crash is safe.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, cast

from celery import shared_task
from celery.exceptions import Reject

from api.analyser.base import PermanentAnalyserError, TransientAnalyserError
from api.scans import pipeline
from workers.context import worker_context
from workers.queues import SCAN_POST_QUEUE

log = logging.getLogger(__name__)


def _give_up(task: Any, scan_id: uuid.UUID, code: str, reason: str) -> Exception:
    pipeline.mark_failed(worker_context(task.app).scans, scan_id, code, reason)
    return cast(Exception, Reject(f"{code}: {reason}", requeue=False))


def _retry_or_reject(task: Any, scan_id: uuid.UUID, code: str, exc: Exception) -> Exception:
    settings = worker_context(task.app).settings
    attempt = task.request.retries + 1
    if attempt >= settings.scan_max_attempts:
        return _give_up(task, scan_id, code, f"gave up after {attempt} attempts: {exc}")
    countdown = pipeline.backoff_seconds(settings, attempt)
    log.info("scan %s: %s, retry %d in %.2fs", scan_id, code, attempt, countdown)
    retry = task.retry(exc=exc, countdown=countdown, max_retries=settings.scan_max_attempts)
    return cast(Exception, retry)


@shared_task(bind=True, name="scans.analyse")
def analyse(self: Any, scan_id: str) -> str:
    sid = uuid.UUID(scan_id)
    runtime = worker_context(self.app).scans
    try:
        step = pipeline.analyse(runtime, sid)
    except TransientAnalyserError as exc:
        raise _retry_or_reject(self, sid, exc.code, exc) from None
    except PermanentAnalyserError as exc:
        raise _give_up(self, sid, exc.code, exc.message) from None
    except Exception as exc:
        log.exception("scan %s: analyse crashed", sid)
        raise _retry_or_reject(self, sid, "internal_error", exc) from None
    if step is pipeline.Next.post:
        post.apply_async(args=[scan_id], queue=SCAN_POST_QUEUE, routing_key=SCAN_POST_QUEUE)
    return step.value


@shared_task(bind=True, name="scans.post")
def post(self: Any, scan_id: str) -> bool:
    sid = uuid.UUID(scan_id)
    try:
        return pipeline.post(worker_context(self.app).scans, sid)
    except Exception as exc:
        log.exception("scan %s: post crashed", sid)
        raise _retry_or_reject(self, sid, "internal_error", exc) from None
