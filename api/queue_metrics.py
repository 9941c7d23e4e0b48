"""Queue depth and consumers as the API sees them: `waste_queue_messages` / `waste_queue_consumers`.

Read on scrape with a passive `queue.declare` per work queue and DLQ over AMQP (the same
credentials the API publishes with; no management API needed), cached for a few seconds so that
several Prometheus replicas or a dashboard refresh do not hammer the broker. A broker that does
not answer sets `waste_queue_scrape_ok 0` instead of failing the whole scrape.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

CACHE_SECONDS = 10.0
TIMEOUT_SECONDS = 2.0


def read_queues(broker_url: str, queues: Iterable[str]) -> dict[str, tuple[int, int]]:
    """{queue: (ready messages, consumers)}; a queue missing on the vhost is left out."""
    from kombu import Connection

    found: dict[str, tuple[int, int]] = {}
    with Connection(broker_url, connect_timeout=TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)
        for queue in queues:
            # A passive declare of a missing queue (404) closes its channel: one channel per queue.
            channel = conn.channel()
            try:
                result = channel.queue_declare(queue=queue, passive=True)
                found[queue] = (int(result.message_count), int(result.consumer_count))
            except conn.channel_errors:
                continue
            finally:
                with contextlib.suppress(*conn.channel_errors, *conn.connection_errors):
                    channel.close()
    return found


class QueueCollector(Collector):
    def __init__(self, broker_url: str) -> None:
        from api.tasks.names import WORK_QUEUES, dlq_name

        self.broker_url = broker_url
        self.queues = [*WORK_QUEUES, *(dlq_name(q) for q in WORK_QUEUES)]
        self._lock = threading.Lock()
        self._cached: tuple[float, bool, dict[str, tuple[int, int]]] | None = None

    def _snapshot(self) -> tuple[bool, dict[str, tuple[int, int]]]:
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] > CACHE_SECONDS:
                try:
                    self._cached = (now, True, read_queues(self.broker_url, self.queues))
                except Exception:
                    self._cached = (now, False, {})
            return self._cached[1], self._cached[2]

    def collect(self) -> Iterable[Any]:
        ok, values = self._snapshot()
        messages = GaugeMetricFamily("waste_queue_messages", "Ready messages in a queue", labels=["queue"])
        consumers = GaugeMetricFamily("waste_queue_consumers", "Consumers of a queue", labels=["queue"])
        for queue, (count, consumer_count) in sorted(values.items()):
            messages.add_metric([queue], count)
            consumers.add_metric([queue], consumer_count)
        scrape = GaugeMetricFamily("waste_queue_scrape_ok", "1 when the broker answered the last read")
        scrape.add_metric([], 1.0 if ok else 0.0)
        return [messages, consumers, scrape]
