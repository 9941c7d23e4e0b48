"""Queue topology. Every work queue is durable, declared explicitly and dead-letters to its own DLQ.

    exchange `waste` (direct) --rk=<q>--> <q>   (x-dead-letter-exchange=waste.dlx, rk=<q>)
    exchange `waste.dlx` (direct) --rk=<q>--> <q>.dlq

Rejected messages (`Reject(requeue=False)`) land in `<q>.dlq`, which no worker consumes: an operator
inspects and replays them (`wastectl queues dlq replay <q>`). Classic queues: with RabbitMQ 3.10
here, quorum queues would force Celery's native delayed delivery for retries (see docs/scans.md).
"""

from __future__ import annotations

from typing import Any

import kombu

from api.tasks.names import WORK_QUEUES, QueueName, dlq_name

_kombu: Any = kombu  # kombu ships no complete type information
Exchange = _kombu.Exchange
Queue = _kombu.Queue

DEFAULT_QUEUE = QueueName.default.value
SCAN_ANALYSE_QUEUE = QueueName.scan_analyse.value
SCAN_POST_QUEUE = QueueName.scan_post.value
BATCH_QUEUE = QueueName.batch.value
DLQ_TTL_MS = 7 * 24 * 3600 * 1000
# Set by `wastectl queues dlq replay` on every message it moves back: the task re-opens its failed scan.
REPLAY_HEADER = "x-waste-replay"

default_exchange = Exchange("waste", type="direct", durable=True)
dead_letter_exchange = Exchange("waste.dlx", type="direct", durable=True)


def _work_queue(name: str) -> Any:
    return Queue(
        name,
        default_exchange,
        routing_key=name,
        durable=True,
        queue_arguments={
            "x-dead-letter-exchange": dead_letter_exchange.name,
            "x-dead-letter-routing-key": name,
        },
    )


def task_queues() -> list[Any]:
    """The queues workers consume (DLQs deliberately absent)."""
    return [_work_queue(name.value) for name in WORK_QUEUES]


def dead_letter_queues() -> list[Any]:
    return [
        Queue(
            dlq_name(name.value),
            dead_letter_exchange,
            routing_key=name,
            durable=True,
            queue_arguments={"x-message-ttl": DLQ_TTL_MS},
        )
        for name in WORK_QUEUES
    ]


def worker_queues() -> list[str]:
    """The queues a general-purpose worker consumes (dead-letter queues are never consumed)."""
    return [name.value for name in WORK_QUEUES]


def declare_topology(app: Any) -> None:
    """Declare exchanges, work queues and DLQs (idempotent). Run by workers at start and by the API."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in [*task_queues(), *dead_letter_queues()]:
            queue.bind(channel).declare()


def topology_document() -> dict[str, Any]:
    """The topology as plain data: the Helm chart renders it (charts/wastecoach/files/queues.json).

    `python -m workers.topology` writes that file; tests/charts fail when it drifts from this module.
    """
    return {
        "exchanges": [
            {"name": default_exchange.name, "type": default_exchange.type, "durable": True},
            {"name": dead_letter_exchange.name, "type": dead_letter_exchange.type, "durable": True},
        ],
        "work_queues": [
            {
                "name": queue.name,
                "exchange": queue.exchange.name,
                "routing_key": queue.routing_key,
                "durable": bool(queue.durable),
                "arguments": dict(queue.queue_arguments or {}),
            }
            for queue in task_queues()
        ],
        "dead_letter_queues": [
            {
                "name": queue.name,
                "exchange": queue.exchange.name,
                "routing_key": queue.routing_key,
                "durable": bool(queue.durable),
                "arguments": dict(queue.queue_arguments or {}),
            }
            for queue in dead_letter_queues()
        ],
    }
