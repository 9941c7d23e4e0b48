"""The broker dispatcher: how an API process hands a scan to the Celery workers.

Lives with the workers (it builds their Celery app and declares their topology), so `api` never
imports Celery code; the entry points pass it to `AppContext.from_settings(dispatcher_factory=...)`.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from api.tasks.names import QueueName, TaskName
from api.tasks.publisher import ScanPublisher
from workers.celery_app import create_celery
from workers.queues import declare_topology

if TYPE_CHECKING:
    from api.context import AppContext


class CeleryDispatcher:
    """With `WASTE_BROKER_URL`: publish to the durable `scan.analyse` queue (see api.tasks.publisher)."""

    def __init__(self, context: AppContext) -> None:
        self.app: Any = create_celery(context.settings)
        self.publisher = ScanPublisher(self.app, declare=declare_topology)

    def enqueue_scan(self, scan_id: uuid.UUID) -> None:
        self.publisher.publish(TaskName.scan_analyse, scan_id, QueueName.scan_analyse)

    def close(self) -> None:
        self.publisher.close()
        self.app.close()
