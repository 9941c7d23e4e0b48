"""The worker's own `AppContext`, built once per worker process from the Celery app's settings."""

from __future__ import annotations

import threading
from typing import Any

import api.models  # noqa: F401 - every mapped table, so relationships and foreign keys resolve
from api.context import AppContext
from api.scans.runtime import ScanRuntime
from workers.dispatch import CeleryDispatcher

_LOCK = threading.Lock()


def worker_context(app: Any) -> AppContext:
    """Kept on the Celery app object (not a module global), created on first use."""
    context: AppContext | None = getattr(app, "waste_context", None)
    if context is None:
        with _LOCK:
            context = getattr(app, "waste_context", None)
            if context is None:
                context = AppContext.from_settings(app.waste_settings, dispatcher_factory=CeleryDispatcher)
                app.waste_context = context
    return context


def worker_runtime(app: Any) -> ScanRuntime:
    """The scan pipeline's collaborators in this worker process."""
    return ScanRuntime.from_context(worker_context(app))
