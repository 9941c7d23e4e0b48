"""`wastectl dev` as a user runs it: a real subprocess serving real HTTP, stopped with Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.cli import REPO_ROOT, cli_env, free_port
from tests.support.processes import alive, children_of, kill_quietly, wait_for

pytestmark = pytest.mark.slow


@dataclass
class DevProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        def healthy() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"wastectl dev exited early ({self.process.returncode}):\n{self.text()}")
            try:
                return httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        assert wait_for(healthy, timeout), f"/healthz did not answer within {timeout}s:\n{self.text()}"

    def interrupt(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)


@pytest.fixture
def start_dev(tmp_path: Path) -> Iterator[object]:
    started: list[DevProcess] = []

    def start(**env: str) -> DevProcess:
        port = free_port()
        output = tmp_path / f"dev-{port}.log"
        full_env = cli_env(
            WASTE_DATA_DIR=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"), **env
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "wastectl", "dev", "--port", str(port)],
            cwd=REPO_ROOT, env=full_env, stdout=output.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        dev = DevProcess(process, f"http://127.0.0.1:{port}", output)
        started.append(dev)
        return dev

    yield start
    for dev in started:
        leftovers = children_of(dev.process.pid)
        if dev.process.poll() is None:
            dev.process.kill()
            dev.process.wait()
        kill_quietly(leftovers)


def test_embedded_profile_serves_and_stops_cleanly(start_dev) -> None:  # type: ignore[no-untyped-def]
    dev = start_dev()
    dev.wait_ready()
    assert httpx.get(f"{dev.base_url}/readyz").json()["checks"].keys() == {"database"}
    login = httpx.post(f"{dev.base_url}/api/v1/auth/dev/token", json={"nickname": "민지"})
    assert login.status_code == 200, login.text
    me = httpx.get(
        f"{dev.base_url}/api/v1/users/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.json()["nickname"] == "민지"
    assert httpx.get(f"{dev.base_url}/docs").status_code == 200
    assert dev.interrupt() == 130
    text = dev.text()
    assert "tasks     in-process" in text
    assert f"ready     {dev.base_url}" in text
    assert "Traceback" not in text
    assert text.rstrip().endswith("interrupted")


def test_port_in_use_is_a_usage_error(start_dev) -> None:  # type: ignore[no-untyped-def]
    first = start_dev()
    first.wait_ready()
    port = first.base_url.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "wastectl", "dev", "--port", port],
        cwd=REPO_ROOT, env=cli_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert f"error: 127.0.0.1:{port} is already in use" in result.stderr


def _worker_pid(dev: DevProcess) -> int:
    match = None

    def started() -> bool:
        nonlocal match
        match = re.search(r"celery pid (\d+)", dev.text())
        return match is not None

    assert wait_for(started, 20), dev.text()
    assert match is not None
    return int(match.group(1))


def test_with_services_starts_a_real_worker_and_stops_it(
    start_dev, broker_url: str, redis_url: str, migrated_postgres_url: str, make_settings
) -> None:  # type: ignore[no-untyped-def]
    from workers.celery_app import create_celery

    dev = start_dev(
        WASTE_BROKER_URL=broker_url, WASTE_REDIS_URL=redis_url, WASTE_DATABASE_URL=migrated_postgres_url
    )
    dev.wait_ready()
    ready = httpx.get(f"{dev.base_url}/readyz")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) == {"database", "broker", "redis"}

    worker = _worker_pid(dev)
    celery = create_celery(make_settings(broker_url=broker_url, redis_url=redis_url))
    reply = celery.send_task("waste.ping").get(timeout=30)
    assert reply["pong"] is True
    assert reply["pid"] in children_of(worker) | {worker}

    family = children_of(dev.process.pid)
    assert worker in family
    assert dev.interrupt() == 130
    assert wait_for(lambda: not any(alive(pid) for pid in family), 20), "orphan processes left behind"


def test_worker_dies_with_a_killed_wastectl(start_dev, broker_url: str, migrated_postgres_url: str) -> None:  # type: ignore[no-untyped-def]
    dev = start_dev(WASTE_BROKER_URL=broker_url, WASTE_DATABASE_URL=migrated_postgres_url)
    dev.wait_ready()
    worker = _worker_pid(dev)
    dev.process.kill()
    dev.process.wait()
    assert wait_for(lambda: not alive(worker), 20), "celery worker outlived a SIGKILLed wastectl dev"


def test_unreachable_broker_fails_fast_with_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wastectl", "dev", "--port", str(free_port())],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
        env=cli_env(WASTE_DATA_DIR=str(tmp_path), WASTE_BROKER_URL="amqp://guest:guest@127.0.0.1:1//"),
    )  # fmt: skip
    assert result.returncode == 1
    assert "error: cannot reach the broker at amqp://guest:***@127.0.0.1:1//" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_explicit_production_profile_is_kept_and_refuses_the_placeholder(tmp_path: Path) -> None:
    """`wastectl dev` selects development only when WASTE_ENV is unset; production stays safe."""
    result = subprocess.run(
        [sys.executable, "-m", "wastectl", "dev", "--port", str(free_port())],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
        env=cli_env(WASTE_DATA_DIR=str(tmp_path), WASTE_ENV="production"),
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "WASTE_ENV=production: WASTE_JWT_SECRET must be set" in result.stderr
    assert "Traceback" not in result.stderr
