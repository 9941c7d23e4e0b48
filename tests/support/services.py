"""Locate the real services tests use, and give each test session its own isolated slice of them.

URLs come from WASTE_TEST_DATABASE_URL, WASTE_TEST_BROKER_URL and WASTE_TEST_REDIS_URL (defaults:
the services this machine kind runs). When one is unreachable its tests skip with the reason;
WASTE_TEST_REQUIRE_SERVICES=1 (set by .ci/run) turns those skips into failures.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def require_services() -> bool:
    return os.environ.get("WASTE_TEST_REQUIRE_SERVICES", "").lower() in ("1", "true", "yes")


def unavailable(service: str, url: str, reason: object) -> None:
    """Skip (or, under WASTE_TEST_REQUIRE_SERVICES=1, fail) because a service cannot be used."""
    message = f"{service} unavailable at {url}: {reason}"
    if require_services():
        pytest.fail(message + " (WASTE_TEST_REQUIRE_SERVICES=1 forbids skipping)", pytrace=False)
    pytest.skip(message)


def tcp_reachable(url: str, default_port: int) -> str | None:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return None
    except OSError as exc:
        return str(exc)


def database_server_url() -> str:
    return os.environ.get("WASTE_TEST_DATABASE_URL", DEFAULT_DATABASE_URL)


def broker_server_url() -> str:
    return os.environ.get("WASTE_TEST_BROKER_URL", DEFAULT_BROKER_URL)


def redis_server_url() -> str:
    return os.environ.get("WASTE_TEST_REDIS_URL", DEFAULT_REDIS_URL)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def create_postgres_database(server_url: str) -> str:
    """Create a throwaway database for this session; returns its URL."""
    import psycopg

    name = f"waste_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(server_url, name)


def drop_postgres_database(server_url: str, url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def check_postgres(server_url: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(server_url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip()
    return None


def check_redis(url: str) -> str | None:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        return str(exc)
    return None


def check_broker(url: str) -> str | None:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:
        return str(exc)
    return None


def create_vhost(broker_url: str) -> str | None:
    """Give this session its own RabbitMQ vhost (queues of parallel runs never mix).

    Needs `rabbitmqctl` on this machine (the broker is local here); returns None when it is not,
    and the caller falls back to the URL's own vhost.
    """
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        return None
    user = urlsplit(broker_url).username or "guest"
    vhost = f"waste-test-{uuid.uuid4().hex[:10]}"
    try:
        subprocess.run([ctl, "add_vhost", vhost], check=True, capture_output=True, timeout=60)
        subprocess.run(
            [ctl, "set_permissions", "-p", vhost, user, ".*", ".*", ".*"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    except (subprocess.SubprocessError, OSError):
        return None
    return vhost


def delete_vhost(vhost: str) -> None:
    ctl = shutil.which("rabbitmqctl")
    if ctl:
        subprocess.run([ctl, "delete_vhost", vhost], capture_output=True, timeout=60, check=False)


def with_vhost(broker_url: str, vhost: str) -> str:
    parts = urlsplit(broker_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), "", ""))
