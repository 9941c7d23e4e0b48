"""Readiness checks for the services the API depends on. Each returns None when fine, else an error."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import text

from api.context import AppContext

CHECK_TIMEOUT_SECONDS = 3.0

# Without these the API cannot take a scan (state in PostgreSQL, work through RabbitMQ): a pod
# with one of them down leaves the load balancer. Redis only backs caches, OAuth states and rate
# limits, which degrade without it; a Redis outage must not take every API pod out of rotation.
REQUIRED = frozenset({"database", "broker"})


class NotMigrated(Exception):
    """The database answers but lacks migrations this code needs: serving it would 500."""


def check_database(context: AppContext) -> None:
    from api.migrate import missing_heads

    with context.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        missing = missing_heads(conn)
    if missing:
        raise NotMigrated(f"missing migration {', '.join(missing)}; run `python -m api.predeploy`")


def check_redis(context: AppContext) -> None:
    assert context.redis is not None
    context.redis.ping()


def check_broker(context: AppContext) -> None:
    from kombu import Connection

    assert context.settings.broker_url is not None
    with Connection(context.settings.broker_url, connect_timeout=CHECK_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)


def configured_checks(context: AppContext) -> dict[str, Callable[[AppContext], None]]:
    checks: dict[str, Callable[[AppContext], None]] = {"database": check_database}
    if context.settings.broker_url:
        checks["broker"] = check_broker
    if context.settings.redis_url:
        checks["redis"] = check_redis
    return checks


def run_checks(context: AppContext) -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in configured_checks(context).items():
        started = time.perf_counter()
        try:
            check(context)
        except Exception as exc:
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}".strip()[:300]}
        else:
            results[name] = {"ok": True}
        results[name]["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results
