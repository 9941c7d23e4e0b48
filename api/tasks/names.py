"""The names the task system has, defined once: queues, their dead-letter queues and task names.

Pure data with no imports beyond the standard library, so the API, the workers, `wastectl` (health
checks, `queues`) and the tests can all read them without pulling in Celery or kombu.
"""

from __future__ import annotations

from enum import StrEnum

DLQ_SUFFIX = ".dlq"


class QueueName(StrEnum):
    """The work queues. Each dead-letters to `<name>.dlq`, which no worker consumes."""

    scan_analyse = "scan.analyse"
    scan_post = "scan.post"
    batch = "batch"
    default = "default"


class TaskName(StrEnum):
    scan_analyse = "scans.analyse"
    scan_post = "scans.post"
    ping = "waste.ping"
    purge_expired = "maintenance.purge_expired"
    requeue_stuck = "maintenance.requeue_stuck"
    daily_stats = "maintenance.daily_stats"
    purge_auth = "maintenance.purge_auth"


WORK_QUEUES: tuple[QueueName, ...] = tuple(QueueName)
DEAD_LETTER_QUEUES: tuple[str, ...] = tuple(name + DLQ_SUFFIX for name in WORK_QUEUES)


def dlq_name(queue: str) -> str:
    return queue + DLQ_SUFFIX
