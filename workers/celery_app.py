"""Celery application factory: reliability settings, routes, beat schedule (docs/scans.md)."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready

import workers.observability  # noqa: F401 - heartbeat and metrics port on worker/beat start
from api.settings import Settings
from api.tasks.names import TaskName
from workers.queues import (
    BATCH_QUEUE,
    DEFAULT_QUEUE,
    SCAN_ANALYSE_QUEUE,
    SCAN_POST_QUEUE,
    declare_topology,
    task_queues,
)

TASK_MODULES = ["workers.tasks", "workers.scans", "workers.maintenance"]

TASK_ROUTES = {
    TaskName.scan_analyse.value: {"queue": SCAN_ANALYSE_QUEUE, "routing_key": SCAN_ANALYSE_QUEUE},
    TaskName.scan_post.value: {"queue": SCAN_POST_QUEUE, "routing_key": SCAN_POST_QUEUE},
    # Every beat job (TaskName.purge_expired, requeue_stuck, daily_stats, purge_auth).
    "maintenance.*": {"queue": BATCH_QUEUE, "routing_key": BATCH_QUEUE},
}

BEAT_SCHEDULE = {
    "requeue-stuck-scans": {"task": TaskName.requeue_stuck.value, "schedule": 60.0},
    "purge-expired-uploads-and-images": {
        "task": TaskName.purge_expired.value,
        "schedule": crontab(minute=17),
    },
    "purge-expired-auth-sessions-and-states": {
        "task": TaskName.purge_auth.value,
        "schedule": crontab(minute=23),
    },
    # 00:10 Asia/Seoul: yesterday's numbers are final.
    "daily-scan-stats": {"task": TaskName.daily_stats.value, "schedule": crontab(hour=15, minute=10)},
}


class WasteCelery(Celery):  # type: ignore[misc]
    """A Celery app that carries our settings as an attribute, outside `app.conf`.

    `app.conf` is what `celery inspect conf` and `celery report` print; Celery masks only the keys it
    knows (broker_url, result_backend, *PASS*, ...), so the settings object (database, broker and Redis
    URLs with their passwords) must not live there.
    """

    waste_settings: Settings


def app_settings(app: Any) -> Settings | None:
    """The settings of a Celery app built by `create_celery` (None for any other app)."""
    settings: Settings | None = getattr(app, "waste_settings", None)
    return settings


def create_celery(settings: Settings) -> Celery:
    app = WasteCelery("waste", include=TASK_MODULES)
    app.conf.update(
        broker_url=settings.broker_url or "memory://",
        # Scan state lives in PostgreSQL: no task stores a result unless its caller asks for one
        # (`waste.ping`, or `send_task(..., ignore_result=False)` in tests), so Redis being down
        # neither blocks a publish nor leaves a worker thread stuck storing a result nobody reads.
        task_ignore_result=True,
        result_backend=settings.redis_url,
        redis_socket_timeout=5.0,
        redis_socket_connect_timeout=3.0,
        result_backend_transport_options={"global_keyprefix": settings.redis_prefix},
        task_queues=task_queues(),
        task_default_queue=DEFAULT_QUEUE,
        task_default_exchange="waste",
        task_default_routing_key=DEFAULT_QUEUE,
        task_routes=TASK_ROUTES,
        task_create_missing_queues=False,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # After a broker restart Celery would restore the prefetch count from a pool thread; with the
        # threads pool that thread and the consumer both read the same AMQP socket and deadlock
        # (reproduced by tests/workers/faults/test_rabbitmq_restart.py). Prefetch is 1 anyway.
        worker_enable_prefetch_count_reduction=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"confirm_publish": True},
        # Ride through a broker restart (seconds) instead of failing the publishing task.
        task_publish_retry_policy={
            "max_retries": 20,
            "interval_start": 0.2,
            "interval_step": 0.5,
            "interval_max": 2,
        },
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=24 * 3600,
        worker_hijack_root_logger=False,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=BEAT_SCHEDULE,
    )
    app.waste_settings = settings
    return app


@worker_ready.connect
def _declare_on_start(sender: Any = None, **_kwargs: Any) -> None:
    """Workers declare the whole topology (DLX and DLQs included) before consuming."""
    if sender is not None:
        declare_topology(sender.app)
