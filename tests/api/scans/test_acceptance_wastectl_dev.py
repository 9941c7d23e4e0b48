"""Acceptance, part 1, for real: `wastectl dev` (embedded profile) over HTTP with an httpx client."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.scans import imagegen
from tests.support.profile import TEST_JWT_SECRET

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WASTE_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    env["WASTE_ENV"] = "test"
    env["WASTE_JWT_SECRET"] = TEST_JWT_SECRET
    env["WASTE_DEV_LOGIN"] = "true"
    log = (tmp_path / "dev.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "wastectl", "dev", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, (tmp_path / "dev.log").read_text()
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield url
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log.close()


def test_wastectl_dev_upload_scan_poll_clear_pet(dev_server: str) -> None:
    with httpx.Client(base_url=dev_server, timeout=10) as http:
        token = http.post("/api/v1/auth/dev/token", json={"nickname": "acceptance"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        ticket = http.post("/api/v1/uploads", json={"content_type": "image/jpeg"}, headers=headers).json()
        assert ticket["url"].startswith(dev_server)
        sent = http.post(
            ticket["url"], data=ticket["fields"], files={"file": ("p.jpg", imagegen.jpeg(), "image/jpeg")}
        )
        assert sent.status_code == 204, sent.text
        created = http.post(
            "/api/v1/scans", json={"upload_key": ticket["key"], "note": "투명 페트병"}, headers=headers
        )
        assert created.status_code == 202, created.text
        deadline = time.monotonic() + 20
        while (response := http.get(created.json()["result_url"], headers=headers)).status_code == 202:
            assert time.monotonic() < deadline
            time.sleep(float(response.headers["Retry-After"]) / 10)
        scan = response.json()
    assert scan["status"] == "done"
    item = scan["result"]["items"][0]
    assert item["category_id"] == "pet_clear" and item["steps"] and item["mistakes"]
