"""Scan tasks: `scans.analyse` (queue scan.analyse, LLM-bound) and `scans.post` (queue scan.post).

What a raised stage leads to is `api.scans.policy.ScanPolicy`'s (shared with the in-process runner):
a retry becomes `task.retry(countdown=...)`; a failure marks the scan failed with the reason and
`Reject(requeue=False)`s the message into its DLQ.
Both tasks are idempotent (see api.scans.pipeline), so redelivery after a crash is safe.

A message moved back from a DLQ by `wastectl queues dlq replay` carries the header
`x-waste-replay: <replay id>`; it re-opens its failed scan (once per replay id) before running,
otherwise it would find the scan final and do nothing. Without that header a finished scan stays
finished, so ordinary redeliveries remain no-ops.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, cast

from celery import shared_task
from celery.exceptions import Reject

from api.analyser.base import AnalyserError
from api.scans import pipeline
from api.scans.policy import Fail, ScanPolicy
from api.scans.runtime import ScanRuntime
from api.tasks.names import WORK_QUEUES, TaskName
from workers.context import worker_context, worker_runtime
from workers.queues import REPLAY_HEADER, SCAN_POST_QUEUE

log = logging.getLogger(__name__)


def _replay_id(request: Any) -> str | None:
    value = getattr(request, REPLAY_HEADER, None) or (getattr(request, "headers", None) or {}).get(
        REPLAY_HEADER
    )
    return str(value) if value else None


def _give_up(task: Any, scan_id: uuid.UUID, failure: Fail) -> Exception:
    context = worker_context(task.app)
    pipeline.mark_failed(ScanRuntime.from_context(context), scan_id, failure.code, failure.reason)
    queue = str((task.request.delivery_info or {}).get("routing_key"))
    context.telemetry.dead_lettered(queue if queue in WORK_QUEUES else "other", failure.code)
    return cast(Exception, Reject(f"{failure.code}: {failure.reason}", requeue=False))


def _handle_failure(task: Any, scan_id: uuid.UUID, exc: Exception) -> Exception:
    """The exception the task raises after a stage raised `exc`: a retry or a dead letter (the policy's)."""
    if not isinstance(exc, AnalyserError):
        log.exception("scan %s: %s crashed", scan_id, task.name)
    context = worker_context(task.app)
    policy = ScanPolicy.from_settings(context.settings)
    attempt = task.request.retries + 1
    decision = policy.decide(exc, attempt)
    if isinstance(decision, Fail):
        return _give_up(task, scan_id, decision)
    context.telemetry.retried(task.name, decision.code)
    log.info("scan %s: %s, retry %d in %.2fs", scan_id, decision.code, attempt, decision.delay)
    # Celery does not copy custom headers onto the retry message: carry the replay id over, so the
    # message dead-lettered at the end of a replayed run names the replay it came from.
    replay_id = _replay_id(task.request)
    headers = {REPLAY_HEADER: replay_id} if replay_id else None
    retry = task.retry(exc=exc, countdown=decision.delay, max_retries=policy.max_attempts, headers=headers)
    return cast(Exception, retry)


def _skip_duplicate_replay(task: Any, scan_id: uuid.UUID) -> bool:
    """Re-open the scan for a replayed message; True for a second copy of the same replay.

    A copy is a duplicate when the scan already carries its replay id and it is neither a Celery
    retry (retries > 0: the replayed run continuing) nor a broker redelivery (a crashed worker's
    message, which must finish the run).
    """
    replay_id = _replay_id(task.request)
    if replay_id is None:
        return False
    runtime = worker_runtime(task.app)
    if pipeline.reopen_for_replay(runtime, scan_id, replay_id):
        return False
    redelivered = bool((task.request.delivery_info or {}).get("redelivered"))
    if task.request.retries or redelivered:
        return False
    if pipeline.is_duplicate_replay(runtime, scan_id, replay_id):
        log.info("scan %s: another copy of replay %s, nothing to do", scan_id, replay_id)
        return True
    return False


@shared_task(bind=True, name=TaskName.scan_analyse.value, ignore_result=True)
def analyse(self: Any, scan_id: str) -> str:
    sid = uuid.UUID(scan_id)
    runtime = worker_runtime(self.app)
    if _skip_duplicate_replay(self, sid):
        return pipeline.Next.stop.value
    try:
        step = pipeline.analyse(runtime, sid)
    except Exception as exc:
        raise _handle_failure(self, sid, exc) from None
    if step is pipeline.Next.post:
        post.apply_async(args=[scan_id], queue=SCAN_POST_QUEUE, routing_key=SCAN_POST_QUEUE)
    return step.value


@shared_task(bind=True, name=TaskName.scan_post.value, ignore_result=True)
def post(self: Any, scan_id: str) -> bool:
    sid = uuid.UUID(scan_id)
    if _skip_duplicate_replay(self, sid):
        return False
    try:
        return pipeline.post(worker_runtime(self.app), sid)
    except Exception as exc:
        raise _handle_failure(self, sid, exc) from None
