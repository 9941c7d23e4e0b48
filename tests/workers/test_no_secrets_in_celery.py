"""`celery inspect conf` and `celery report` print no password (issue 15, row 10).

A real worker runs with known passwords in the database, broker and Redis URLs (a private
`redis-server --requirepass`; PostgreSQL's trust auth accepts any password; RabbitMQ's guest).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import services
from tests.support.private_services import RedisServer
from tests.workers.support import REPO_ROOT, CeleryWorker, settings_env

pytestmark = [pytest.mark.services, pytest.mark.slow]

DB_PASSWORD = "db-pw-5e1d0c"
REDIS_PASSWORD = "redis-pw-9b7a44"
OPENAI_KEY = "sk-key-41f0aa"


@pytest.fixture
def redis_with_password() -> Iterator[RedisServer]:
    reason = RedisServer.available()
    if reason:
        services.unavailable("a private Redis", "localhost", reason)
    server = RedisServer(password=REDIS_PASSWORD).start()
    yield server
    server.destroy()


def _celery(values: dict[str, Any], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "workers.main", *args],
        cwd=REPO_ROOT, env=settings_env(values), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return done.stdout + done.stderr


def test_inspect_conf_and_report_print_no_password(
    stack_values: dict[str, Any], redis_with_password: RedisServer, tmp_path: Path
) -> None:
    database_url = stack_values["database_url"].replace("postgres@", f"postgres:{DB_PASSWORD}@", 1)
    assert DB_PASSWORD in database_url
    broker_password = stack_values["broker_url"].split("//", 1)[1].split("@", 1)[0].split(":", 1)[1]
    values = {
        **stack_values, "database_url": database_url, "redis_url": redis_with_password.url,
        "openai_api_key": OPENAI_KEY,
    }  # fmt: skip
    worker = CeleryWorker(values, tmp_path, concurrency=1).start()
    try:
        conf = _celery(values, "inspect", "conf", "--timeout", "20")
        report = _celery(values, "report")
    finally:
        worker.stop()
    assert "ok" in conf and "broker_url" in conf, conf  # the worker answered with its configuration
    assert "broker_url" in report, report
    for output in (conf, report):
        for secret in (DB_PASSWORD, REDIS_PASSWORD, OPENAI_KEY, f":{broker_password}@"):
            assert secret not in output, f"{secret!r} printed:\n{output}"
