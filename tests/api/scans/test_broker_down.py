"""Broker unreachable when a scan is submitted: 202 at once, the scan stays queued and is handed to
the background re-publisher (which publishes it when the broker is back: tests/workers/faults)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from tests.api.scans import imagegen
from tests.api.scans.conftest import login


def test_publish_failure_answers_202_and_hands_the_scan_to_the_republisher(
    make_client: Callable[..., TestClient],
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    client = make_client(broker_url=f"amqp://guest:guest@127.0.0.1:{closed}//")
    headers = login(client)

    def submit(seed: int) -> Any:
        files = {"image": ("a.jpg", imagegen.unique_jpeg(seed), "image/jpeg")}
        return client.post("/api/v1/scans", files=files, headers=headers)

    # Concurrent first requests: one declares the topology (slow to fail), the others do not queue
    # behind it for its whole retry, they hand over too.
    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(submit, range(4)))
    assert [r.status_code for r in responses] == [202] * 4, [r.text for r in responses]
    for response in responses:
        scan = client.get(response.json()["result_url"], headers=headers)
        assert (scan.status_code, scan.json()["status"]) == (202, "queued")
    publisher = client.app.state.context.dispatcher.publisher  # type: ignore[attr-defined]
    assert publisher.pending == 4
    assert client.get("/healthz").status_code == 200
