"""Queue declarations. Every queue is durable and declared explicitly (no auto-created queues)."""

from __future__ import annotations

from kombu import Exchange, Queue

DEFAULT_QUEUE = "default"

default_exchange = Exchange("waste", type="direct", durable=True)


def task_queues() -> list[Queue]:
    return [Queue(DEFAULT_QUEUE, default_exchange, routing_key=DEFAULT_QUEUE, durable=True)]


def worker_queues() -> list[str]:
    """The queues a general-purpose worker consumes (dead-letter queues are never consumed)."""
    return [queue.name for queue in task_queues()]
