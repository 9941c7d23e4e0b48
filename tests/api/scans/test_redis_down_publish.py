"""With Redis down a scan is still published at once: no result-channel subscription comes first.

Scan tasks store no result (scan state is in PostgreSQL), so the publish must not touch Redis;
before, Celery subscribed to the Redis result channel first and, with Redis down, never published.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from api.tasks.names import QueueName
from tests.api.scans import imagegen
from tests.api.scans.conftest import login
from tests.support.cli import free_port
from tests.workers.support import purge, queue_depth

pytestmark = pytest.mark.services


def test_a_scan_is_published_while_redis_is_down(
    make_client: Callable[..., TestClient], broker_url: str
) -> None:
    client = make_client(broker_url=broker_url, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    headers = login(client, "noredis")
    files = {"image": ("a.jpg", imagegen.jpeg(), "image/jpeg")}
    response = client.post("/api/v1/scans", files=files, headers=headers)
    assert response.status_code == 202, response.text
    publisher = client.app.state.context.dispatcher.publisher  # type: ignore[attr-defined]
    assert publisher.pending == 0  # confirmed by the broker in the request, not handed over
    try:
        assert queue_depth(broker_url, QueueName.scan_analyse) >= 1
    finally:
        purge(broker_url, QueueName.scan_analyse)
