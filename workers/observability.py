"""Liveness heartbeat and Prometheus metrics of Celery worker and beat processes.

Why a heartbeat file and not `celery inspect ping`: ping goes through the broker and waits for a
free consumer, so a worker busy with slow LLM calls (or a broker blip) failed its liveness probe
and was killed mid-task (predecessor, many times). Here a daemon thread of the worker process
touches `WASTE_HEARTBEAT_FILE` every few seconds; the probe only checks the file's age. It goes
stale only when the process is dead or frozen, which is exactly when a restart helps.

Why a metrics port per worker process and not the Celery events exporter: the chart runs the
`threads` pool, so one process per pod runs every task, and the scan, LLM, cache and retry
metrics are recorded in that process by the code that knows them (tokens, failure codes, cache
hits); an events exporter sees only task names and states, needs events enabled on every worker
and is one more Deployment.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from celery.signals import beat_init, worker_init

from api.settings import Settings

log = logging.getLogger(__name__)


def _settings(app: Any) -> Settings | None:
    from workers.celery_app import app_settings  # not at import time: celery_app imports this module

    return app_settings(app)


def touch(path: Path) -> None:
    """Rewrite the heartbeat file atomically (the probe never reads a half-written file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(f"{time.time():.0f}\n", encoding="ascii")
    os.replace(tmp, path)


def start_heartbeat(path: Path, interval: float) -> threading.Thread:
    path.parent.mkdir(parents=True, exist_ok=True)
    touch(path)

    def beat() -> None:
        while True:
            time.sleep(interval)
            try:
                touch(path)
            except OSError as exc:  # a full or vanished /tmp: log, keep trying; the probe will tell
                log.warning("heartbeat %s: %s", path, exc)

    thread = threading.Thread(target=beat, name="waste-heartbeat", daemon=True)
    thread.start()
    return thread


def consumed_queues(worker: Any) -> list[str]:
    """The queues this worker consumes (after -Q was applied)."""
    return sorted(worker.app.amqp.queues.consume_from or worker.app.amqp.queues)


def start_metrics(worker: Any) -> None:
    from prometheus_client import start_http_server

    from workers.context import worker_context

    settings = _settings(worker.app)
    assert settings is not None
    telemetry = worker_context(worker.app).telemetry
    for queue in consumed_queues(worker):
        telemetry.worker_info.labels(queue).set(1)
    start_http_server(
        settings.worker_metrics_port, addr=settings.worker_metrics_host, registry=telemetry.registry
    )
    log.info("worker metrics on %s:%d", settings.worker_metrics_host, settings.worker_metrics_port)


@worker_init.connect
def _on_worker_init(sender: Any = None, **_kwargs: Any) -> None:
    settings = _settings(getattr(sender, "app", None))
    if settings is None:
        return
    if settings.heartbeat_file is not None:
        start_heartbeat(settings.heartbeat_file, settings.heartbeat_interval_seconds)
    if settings.worker_metrics_port:
        start_metrics(sender)


@beat_init.connect
def _on_beat_init(sender: Any = None, **_kwargs: Any) -> None:
    settings = _settings(getattr(sender, "app", None))
    if settings is not None and settings.heartbeat_file is not None:
        start_heartbeat(settings.heartbeat_file, settings.heartbeat_interval_seconds)
