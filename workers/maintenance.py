"""Beat tasks (queue `batch`): purge expired uploads, images and auth data; requeue stuck scans; stats."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from api.auth.maintenance import purge_expired_auth
from api.db import session_scope
from api.scans import maintenance
from api.tasks.names import TaskName
from workers.context import worker_context
from workers.queues import SCAN_ANALYSE_QUEUE, SCAN_POST_QUEUE


@shared_task(bind=True, name=TaskName.purge_expired.value)
def purge_expired(self: Any) -> dict[str, int]:
    context = worker_context(self.app)
    return maintenance.purge_expired(
        session_factory=context.session_factory, storage=context.storage, settings=context.settings
    )


@shared_task(bind=True, name=TaskName.requeue_stuck.value)
def requeue_stuck(self: Any) -> int:
    context = worker_context(self.app)
    stuck = maintenance.find_stuck(session_factory=context.session_factory, settings=context.settings)
    for scan_id, stage in stuck:
        post = stage == "post"
        task = TaskName.scan_post if post else TaskName.scan_analyse
        queue = SCAN_POST_QUEUE if post else SCAN_ANALYSE_QUEUE
        self.app.send_task(
            task.value, args=[str(scan_id)], queue=queue, routing_key=queue, ignore_result=True
        )
    return len(stuck)


@shared_task(bind=True, name=TaskName.daily_stats.value)
def daily_stats(self: Any) -> list[dict[str, Any]]:
    session_factory = worker_context(self.app).session_factory
    out = []
    for day in maintenance.stats_days():
        stat = maintenance.aggregate_daily(day, session_factory=session_factory)
        out.append({"day": day.isoformat(), "scans": stat.scans, "done": stat.done, "failed": stat.failed})
    return out


@shared_task(bind=True, name=TaskName.purge_auth.value)
def purge_auth(self: Any) -> dict[str, int]:
    with session_scope(worker_context(self.app).session_factory) as session:
        return purge_expired_auth(session)
