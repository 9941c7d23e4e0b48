"""One interface to run scans: a thread pool in the API process, or Celery on RabbitMQ.

Both paths call the same stage functions in `api.scans.pipeline`; only retries and chaining
differ (a sleep-and-retry loop here, `task.retry` / the `scan.post` queue in `workers.scans`).
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from api.analyser.base import PermanentAnalyserError, TransientAnalyserError
from api.scans import pipeline
from api.tasks.publisher import ScanPublisher

if TYPE_CHECKING:
    from api.context import AppContext

log = logging.getLogger(__name__)

ANALYSE_TASK = "scans.analyse"
POST_TASK = "scans.post"


class Dispatcher(Protocol):
    def enqueue_scan(self, scan_id: uuid.UUID) -> None: ...
    def close(self) -> None: ...


def run_scan_in_process(context: AppContext, scan_id: uuid.UUID, stopping: threading.Event) -> None:
    """Run a scan to the end in this thread, retrying transient errors with backoff + jitter."""
    runtime = context.scans
    settings = context.settings
    attempt = 0
    try:
        while True:
            attempt += 1
            try:
                step = pipeline.analyse(runtime, scan_id)
                break
            except TransientAnalyserError as exc:
                if stopping.is_set():  # shutting down: leave the scan pending for the stuck-scan sweep
                    return
                if attempt >= settings.scan_max_attempts:
                    pipeline.mark_failed(
                        runtime, scan_id, exc.code, f"gave up after {attempt} attempts: {exc}"
                    )
                    return
                delay = pipeline.backoff_seconds(settings, attempt)
                context.telemetry.retried(ANALYSE_TASK, exc.code)
                log.info("scan %s: %s, retrying in %.2fs", scan_id, exc.code, delay)
                stopping.wait(delay)
        if step is pipeline.Next.post:
            pipeline.post(runtime, scan_id)
    except PermanentAnalyserError as exc:
        pipeline.mark_failed(runtime, scan_id, exc.code, exc.message)
    except Exception as exc:
        log.exception("scan %s crashed", scan_id)
        pipeline.mark_failed(runtime, scan_id, "internal_error", f"{type(exc).__name__}: {exc}")


class InProcessDispatcher:
    """Embedded profile: the API answers 202 at once and a pool thread runs the scan."""

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.stopping = threading.Event()
        self.pool = ThreadPoolExecutor(
            max_workers=context.settings.scan_in_process_workers, thread_name_prefix="scan"
        )

    def enqueue_scan(self, scan_id: uuid.UUID) -> None:
        self.pool.submit(run_scan_in_process, self.context, scan_id, self.stopping)

    def close(self) -> None:
        self.stopping.set()
        self.pool.shutdown(wait=True, cancel_futures=True)


class CeleryDispatcher:
    """With `WASTE_BROKER_URL`: publish to the durable `scan.analyse` queue (see api.tasks.publisher)."""

    def __init__(self, context: AppContext) -> None:
        from workers.celery_app import create_celery
        from workers.queues import declare_topology

        self.app: Any = create_celery(context.settings)
        self.publisher = ScanPublisher(self.app, declare=declare_topology)

    def enqueue_scan(self, scan_id: uuid.UUID) -> None:
        self.publisher.publish(ANALYSE_TASK, scan_id, "scan.analyse")

    def close(self) -> None:
        self.publisher.close()
        self.app.close()


def make_dispatcher(context: AppContext) -> Dispatcher:
    if context.settings.tasks_in_process:
        return InProcessDispatcher(context)
    return CeleryDispatcher(context)
