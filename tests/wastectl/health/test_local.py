"""`wastectl health --target local`: the app layer against a running API on real PostgreSQL and Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from pytest_httpserver import HTTPServer

from api.context import AppContext
from tests.wastectl.fleet.cli import run_cli
from tests.wastectl.fleet.harness import free_port


@pytest.fixture
def api_url(context: AppContext) -> Iterator[str]:
    from api.main import create_app

    port = free_port("127.0.0.1")
    server = uvicorn.Server(
        uvicorn.Config(create_app(context=context), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _queues(*queues: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"vhost": "/", "durable": True, **q} for q in queues]


def test_local_target_checks_the_running_stack(
    *,
    api_url: str,
    migrated_postgres_url: str,
    redis_url: str,
    httpserver: HTTPServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WASTE_DATABASE_URL", migrated_postgres_url)
    monkeypatch.setenv("WASTE_REDIS_URL", redis_url)
    httpserver.expect_request("/api/queues").respond_with_json(
        _queues(
            {"name": "scans", "messages": 0, "consumers": 2},
            {"name": "scans.dlq", "messages": 0, "consumers": 0},
        )
    )
    mgmt = httpserver.url_for("/").replace("http://", "http://guest:guest@").rstrip("/")
    run = run_cli(
        capsys, "health", "--target", "local", "--api-url", api_url, "--rabbitmq-api", mgmt, "-o", "json"
    )
    assert run.code == 0, run.out + run.err
    checks = {c["id"]: c for c in run.json()["data"]["checks"]}
    assert checks["APIReady"]["status"] == "ok"
    assert (
        checks["PostgresReachable"]["status"] == "ok"
        and "PostgreSQL" in checks["PostgresReachable"]["message"]
    )
    assert checks["RedisReachable"]["status"] == "ok"
    assert checks["RabbitMQQueues"]["status"] == "ok"
    assert {checks[i]["status"] for i in ("Deployments", "CrashLoop", "PVCsBound", "HelmReleases")} == {
        "skip"
    }
    request, _ = httpserver.log[0]
    assert request.authorization is not None and request.authorization.username == "guest"


def test_local_target_reports_dead_letters_and_a_down_api(
    httpserver: HTTPServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> None:
    monkeypatch.setenv("WASTE_DATA_DIR", str(tmp_path))
    httpserver.expect_request("/api/queues").respond_with_json(
        _queues(
            {"name": "scans", "messages": 40, "consumers": 0},
            {"name": "scans.dlq", "messages": 3, "consumers": 0},
        )
    )
    mgmt = httpserver.url_for("/").rstrip("/")
    dead_api = f"http://127.0.0.1:{free_port('127.0.0.1')}"
    run = run_cli(capsys, "health", "--target", "local", "--api-url", dead_api, "--rabbitmq-api", mgmt)
    assert run.code == 1
    assert "[ERROR APIReady]: local: " + dead_api + "/readyz unreachable" in run.out
    assert (
        "[WARNING RabbitMQQueues]: local: scans: 40 message(s), no consumers; "
        "dead-letter queue scans.dlq holds 3 message(s)" in run.out
    )
    assert "PostgresReachable" not in run.out.split("[app]")[0]  # SQLite profile: skipped, not an error


MANAGEMENT_URL = "http://127.0.0.1:15672"


def _management_counts(broker_url: str, names: set[str]) -> dict[str, int]:
    """Message counts the management API reports for `names` on the broker URL's vhost."""
    from urllib.parse import quote, unquote, urlsplit

    import httpx

    vhost = unquote(urlsplit(broker_url).path[1:]) or "/"
    response = httpx.get(
        f"{MANAGEMENT_URL}/api/queues/{quote(vhost, safe='')}", auth=("guest", "guest"), timeout=5
    )
    response.raise_for_status()
    return {q["name"]: q.get("messages", 0) for q in response.json() if q["name"] in names}


def test_local_target_reads_the_real_management_api_of_the_configured_broker(
    broker_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> None:
    """No --rabbitmq-api: WASTE_BROKER_URL's credentials and vhost on WASTE_RABBITMQ_MANAGEMENT_URL."""
    import httpx
    from kombu import Connection, Queue

    from tests.support import services

    try:
        httpx.get(MANAGEMENT_URL + "/api/overview", auth=("guest", "guest"), timeout=3).raise_for_status()
    except httpx.HTTPError as exc:
        services.unavailable("RabbitMQ management API", MANAGEMENT_URL, exc)
    work, dlq = "health.work", "health.work.dlq"
    with Connection(broker_url, transport_options={"confirm_publish": True}) as conn:
        channel = conn.default_channel
        for name in (work, dlq):
            Queue(name, durable=False, auto_delete=False).bind(channel).declare()
            channel.queue_purge(name)
        producer = conn.Producer(channel)
        for index in range(2):
            producer.publish({"n": index}, routing_key=work, serializer="json")
        producer.publish({"dead": True}, routing_key=dlq, serializer="json")
    try:
        _check_local_rabbitmq(broker_url, capsys, monkeypatch, tmp_path, work=work, dlq=dlq)
    finally:
        with Connection(broker_url) as conn:
            for name in (work, dlq):
                conn.default_channel.queue_delete(name)


def _check_local_rabbitmq(
    broker_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    *,
    work: str,
    dlq: str,
) -> None:
    deadline = time.monotonic() + 15  # management statistics refresh every 5 s
    while _management_counts(broker_url, {work, dlq}) != {work: 2, dlq: 1} and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _management_counts(broker_url, {work, dlq}) == {work: 2, dlq: 1}

    monkeypatch.setenv("WASTE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WASTE_BROKER_URL", broker_url)
    monkeypatch.setenv("WASTE_RABBITMQ_MANAGEMENT_URL", MANAGEMENT_URL)
    ignore = ("--ignore", "APIReady,PostgresReachable,RedisReachable")
    run = run_cli(capsys, "health", "--target", "local", *ignore, "-o", "json")
    assert run.code == 0, run.out + run.err  # a warning does not make the stack unhealthy
    check = {c["id"]: c for c in run.json()["data"]["checks"]}["RabbitMQQueues"]
    assert check["status"] == "warn" and check["level"] == "WARNING"
    assert f"{work}: 2 message(s), no consumers" in check["message"]
    assert f"dead-letter queue {dlq} holds 1 message(s)" in check["message"]

    monkeypatch.setenv("WASTE_BROKER_URL", broker_url.rsplit("/", 1)[0] + "/no-such-vhost-here")
    run = run_cli(capsys, "health", "--target", "local", *ignore)
    assert run.code == 0, run.out + run.err
    missing = "[WARNING RabbitMQQueues]: local: vhost 'no-such-vhost-here' does not exist on the broker"
    assert missing in run.out
    assert "/100: healthy, with warnings" in run.out

    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(broker_url)
    user = parts.username or "guest"
    wrong = parts._replace(netloc=f"{user}:not-the-password@{parts.hostname}:{parts.port or 5672}")
    monkeypatch.setenv("WASTE_BROKER_URL", urlunsplit(wrong))
    run = run_cli(capsys, "health", "--target", "local", *ignore)
    assert f"refused the credentials of user '{user}' (HTTP 401)" in run.out


def test_api_ready_names_the_failing_checks_with_the_metrics_token(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A production API shows which checks fail only to the bearer of WASTE_METRICS_TOKEN."""
    from wastectl.health.app import AppTarget, api_ready
    from wastectl.health.model import Outcome

    httpserver.expect_request("/readyz", headers={"Authorization": "Bearer t0ken"}).respond_with_json(
        {"status": "unavailable", "failing": ["database"], "checks": {}}, status=503
    )
    httpserver.expect_request("/readyz").respond_with_json({"status": "unavailable"}, status=503)
    target = AppTarget(api_url=httpserver.url_for("/"))
    with pytest.raises(Outcome, match=r"failing: \? \(set WASTE_METRICS_TOKEN to see which\)"):
        api_ready(target)
    monkeypatch.setenv("WASTE_METRICS_TOKEN", "t0ken")
    with pytest.raises(Outcome, match=r"failing: database$"):
        api_ready(target)
