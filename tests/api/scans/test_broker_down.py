"""Broker unreachable when a scan is submitted: 202, the scan stays queued, the API keeps serving."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.db import session_scope
from api.scans.models import Scan
from tests.api.scans import imagegen
from tests.api.scans.conftest import login


def test_publish_failure_leaves_the_scan_queued_without_blocking_the_api(
    make_client: Callable[..., TestClient],
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    client = make_client(broker_url=f"amqp://guest:guest@127.0.0.1:{closed}//")
    headers = login(client)
    factory = client.app.state.context.session_factory  # type: ignore[attr-defined]
    answer: dict[str, Any] = {}

    def submit() -> None:
        files = {"image": ("a.jpg", imagegen.jpeg(), "image/jpeg")}
        answer["response"] = client.post("/api/v1/scans", files=files, headers=headers)

    submitting = threading.Thread(target=submit)
    submitting.start()
    deadline = time.monotonic() + 30
    while True:  # the row is committed before the publish is attempted
        with session_scope(factory) as session:
            if session.scalar(select(func.count()).select_from(Scan)):
                break
        assert time.monotonic() < deadline and submitting.is_alive()
        time.sleep(0.02)
    # The publish is still retrying against the closed port; other requests are served meanwhile.
    assert client.get("/healthz").status_code == 200
    assert submitting.is_alive()
    submitting.join(timeout=120)
    response = answer["response"]
    assert response.status_code == 202, response.text
    scan = client.get(response.json()["result_url"], headers=headers)
    assert (scan.status_code, scan.json()["status"]) == (202, "queued")  # left for the stuck-scan sweep
