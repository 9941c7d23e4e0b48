"""One interface to run scans: a thread pool in the API process, or Celery on RabbitMQ.

Both paths call the same stage functions in `api.scans.pipeline` and follow the same
`api.scans.policy.ScanPolicy`; only how a retry waits differs (a sleep in the pool thread here,
`task.retry` in `workers.scans`), and only Celery has a dead-letter queue.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from api.analyser.base import AnalyserError
from api.dispatcher import Dispatcher
from api.scans import pipeline
from api.scans.policy import Fail, ScanPolicy
from api.scans.runtime import ScanRuntime
from api.tasks.names import TaskName

if TYPE_CHECKING:
    from api.context import AppContext

log = logging.getLogger(__name__)

T = TypeVar("T")


def run_stage(
    runtime: ScanRuntime,
    scan_id: uuid.UUID,
    task: TaskName,
    stage: Callable[[], T],
    stopping: threading.Event,
) -> T | None:
    """Run one stage until it returns (its value) or the policy gives up (None, the scan failed).

    Shutting down while a retry is due leaves the scan pending for the stuck-scan sweep.
    """
    policy = ScanPolicy.from_settings(runtime.settings)
    attempt = 0
    while True:
        attempt += 1
        try:
            return stage()
        except Exception as exc:
            if not isinstance(exc, AnalyserError):
                log.exception("scan %s: %s crashed", scan_id, task)
            decision = policy.decide(exc, attempt)
            if isinstance(decision, Fail):
                pipeline.mark_failed(runtime, scan_id, decision.code, decision.reason)
                return None
            if stopping.is_set():
                return None
            runtime.telemetry.retried(task, decision.code)
            log.info("scan %s: %s, retrying in %.2fs", scan_id, decision.code, decision.delay)
            stopping.wait(decision.delay)


def run_scan_in_process(context: AppContext, scan_id: uuid.UUID, stopping: threading.Event) -> None:
    """Run a scan to the end in this thread: `analyse`, then `post`, each retried by the policy."""
    runtime = ScanRuntime.from_context(context)
    step = run_stage(
        runtime, scan_id, TaskName.scan_analyse, lambda: pipeline.analyse(runtime, scan_id), stopping
    )
    if step is pipeline.Next.post:
        run_stage(runtime, scan_id, TaskName.scan_post, lambda: pipeline.post(runtime, scan_id), stopping)


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


def make_dispatcher(context: AppContext) -> Dispatcher:
    """In process without a broker; otherwise the factory the entry point gave the context.

    `api` does not know Celery: the entry points that run with a broker (`api.asgi`, `wastectl dev`,
    the workers, tests) pass `workers.dispatch.CeleryDispatcher` as the context's dispatcher factory.
    """
    if context.settings.tasks_in_process:
        return InProcessDispatcher(context)
    if context.dispatcher_factory is None:
        raise RuntimeError(
            "WASTE_BROKER_URL is set but this process was built without a broker dispatcher: "
            "pass dispatcher_factory=workers.dispatch.CeleryDispatcher to AppContext.from_settings"
        )
    return context.dispatcher_factory(context)
