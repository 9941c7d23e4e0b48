"""Publish scan tasks to RabbitMQ so that no scan waits for the stuck-scan sweep (docs/scans.md).

A publish is confirmed by the broker (`confirm_publish`) and needs no result backend: scan state
lives in PostgreSQL, so the message is sent with `ignore_result=True` and Celery never subscribes
to a Redis result channel first (with Redis down that subscription failed before anything was
published).

The request's own attempt is short (a few seconds of Celery's retry policy). When it fails, the
error is a connection error of some kind (refused, reset, a stale pooled connection, a confirm
lost with the broker), which Celery's retry does not always cover, so the scan id goes to a
background re-publisher: one thread that retries on a fresh connection each time, with backoff,
until the broker takes the message. The API answers 202 at once either way; the sweep stays the
last resort for an API process that dies with scans still pending here.
"""

from __future__ import annotations

import collections
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# The request thread's attempt: a broker blip of a second or two is ridden out in-line.
REQUEST_RETRY_POLICY = {"max_retries": 3, "interval_start": 0.2, "interval_step": 0.4, "interval_max": 1.0}
DECLARE_WAIT_SECONDS = 1.0
REPUBLISH_BACKOFF_START = 0.2
REPUBLISH_BACKOFF_MAX = 5.0


class ScanPublisher:
    """`publish(task, scan_id, queue)`: now when the broker answers, else soon from a background thread."""

    def __init__(self, app: Any, declare: Callable[[Any], None]) -> None:
        self.app = app
        self._declare = declare
        self._declared = False
        self._declare_lock = threading.Lock()
        self._pending: collections.deque[tuple[str, uuid.UUID, str]] = collections.deque()
        self._wake = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def publish(self, task: str, scan_id: uuid.UUID, queue: str) -> bool:
        """True when the broker confirmed the message; False when it was handed to the re-publisher."""
        try:
            self._ensure_declared(wait_seconds=DECLARE_WAIT_SECONDS)
            self._send(task, scan_id, queue, connection=None)
        except Exception as exc:
            log.warning("publish of %s %s failed (%s: %s); re-publishing in the background",
                        task, scan_id, type(exc).__name__, exc)  # fmt: skip
            self._hand_over(task, scan_id, queue)
            return False
        return True

    @property
    def pending(self) -> int:
        """Messages not yet taken by the broker (for tests and logs)."""
        with self._wake:
            return len(self._pending)

    def close(self) -> None:
        with self._wake:
            self._stopping = True
            left = len(self._pending)
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=3)  # daemon thread: a publish to a dead broker is not waited out
        if left:
            log.warning("%d scan(s) not yet published at shutdown; the stuck-scan sweep requeues them", left)

    # --- internals ------------------------------------------------------------------------------
    def _ensure_declared(self, *, wait_seconds: float) -> None:
        """Declare the topology once per process, before the first message.

        A healthy declaration takes milliseconds; with the broker down it takes seconds to fail, so a
        request thread that finds another one still declaring after `wait_seconds` hands its scan over
        instead of queueing behind the lock (-1: wait as long as it takes).
        """
        if self._declared:
            return
        if not self._declare_lock.acquire(timeout=wait_seconds):
            raise RuntimeError("the topology is being declared by another thread")
        try:
            if not self._declared:
                self._declare(self.app)
                self._declared = True
        finally:
            self._declare_lock.release()

    def _send(self, task: str, scan_id: uuid.UUID, queue: str, connection: Any) -> None:
        self.app.send_task(
            task,
            args=[str(scan_id)],
            queue=queue,
            routing_key=queue,
            task_id=f"{task.rsplit('.', 1)[-1]}-{scan_id}",
            ignore_result=True,
            retry=True,
            retry_policy=REQUEST_RETRY_POLICY,
            connection=connection,
        )

    def _hand_over(self, task: str, scan_id: uuid.UUID, queue: str) -> None:
        with self._wake:
            self._pending.append((task, scan_id, queue))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="scan-republisher", daemon=True)
                self._thread.start()
            self._wake.notify_all()

    def _run(self) -> None:
        delay = REPUBLISH_BACKOFF_START
        while True:
            with self._wake:
                while not self._pending and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
                task, scan_id, queue = self._pending[0]
            try:
                # A fresh connection each time: the pooled ones may be the dead ones that failed.
                self._ensure_declared(wait_seconds=-1)
                with self.app.connection_for_write() as connection:
                    connection.ensure_connection(max_retries=1, timeout=5)
                    self._send(task, scan_id, queue, connection=connection)
            except Exception as exc:
                log.info("re-publish of %s %s failed (%s), again in %.1fs", task, scan_id, exc, delay)
                with self._wake:
                    self._wake.wait(delay)
                delay = min(delay * 2, REPUBLISH_BACKOFF_MAX)
                continue
            log.info("re-published %s %s", task, scan_id)
            delay = REPUBLISH_BACKOFF_START
            with self._wake:
                self._pending.popleft()
