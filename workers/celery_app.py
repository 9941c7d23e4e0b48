"""Celery application factory. Reliability settings follow docs/architecture.md (acks late etc.)."""

from __future__ import annotations

from celery import Celery

from api.settings import Settings
from workers.queues import DEFAULT_QUEUE, task_queues

TASK_MODULES = ["workers.tasks"]


def create_celery(settings: Settings) -> Celery:
    app = Celery("waste", include=TASK_MODULES)
    app.conf.update(
        broker_url=settings.broker_url or "memory://",
        result_backend=settings.redis_url,
        task_queues=task_queues(),
        task_default_queue=DEFAULT_QUEUE,
        task_create_missing_queues=False,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"confirm_publish": True},
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=24 * 3600,
        worker_hijack_root_logger=False,
    )
    app.conf.waste_settings = settings
    return app
