"""`status` with the app's side: real RabbitMQ queues and a real Celery worker, and the scan metrics
exposed by the app's own Telemetry registry (served as /metrics) or asked from a Prometheus API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer

from tests.support import services
from tests.support.processes import wait_for
from tests.support.profile import TEST_PROFILE
from tests.wastectl.deploy.fakecluster import FakeCluster
from tests.wastectl.fleet.cli import run_cli
from tests.workers.support import CeleryWorker

MANAGEMENT_URL = "http://127.0.0.1:15672"
NO_REGISTRY = "--skip-image-check"


@pytest.fixture
def broker(broker_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    try:
        httpx.get(MANAGEMENT_URL + "/api/overview", auth=("guest", "guest"), timeout=3).raise_for_status()
    except httpx.HTTPError as exc:
        services.unavailable("RabbitMQ management API", MANAGEMENT_URL, exc)
    from api.settings import Settings
    from workers.celery_app import create_celery
    from workers.queues import declare_topology

    declare_topology(create_celery(Settings(_env_file=None, **TEST_PROFILE, broker_url=broker_url)))  # type: ignore[call-arg]
    from kombu import Connection

    with Connection(broker_url) as conn:
        for queue in ("scan.analyse", "scan.analyse.dlq", "scan.post.dlq"):
            conn.default_channel.queue_purge(queue)
    monkeypatch.setenv("WASTE_BROKER_URL", broker_url)
    monkeypatch.setenv("WASTE_RABBITMQ_MANAGEMENT_URL", MANAGEMENT_URL)
    return broker_url


@pytest.fixture
def worker(broker: str, tmp_path: Path) -> Iterator[CeleryWorker]:
    started = CeleryWorker(
        {**TEST_PROFILE, "broker_url": broker, "data_dir": tmp_path}, tmp_path, concurrency=1
    )
    yield started.start()
    started.stop()


def _dead_letter(broker_url: str) -> None:
    from kombu import Connection, Exchange, Producer

    with Connection(broker_url, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.default_channel, exchange=Exchange("waste.dlx", type="direct", durable=True))
        producer.publish(
            {"scan": 1}, routing_key="scan.analyse", headers={"x-death": [{}]}, serializer="json"
        )


def _metrics_text() -> str:
    from prometheus_client import generate_latest

    from api.db import utcnow
    from api.telemetry import Telemetry

    telemetry = Telemetry()
    now = utcnow()
    for seconds in (2, 3, 4, 5, 6, 7, 8, 9, 12):
        telemetry.scan_finished("done", now - timedelta(seconds=seconds))
    telemetry.scan_finished("failed", now - timedelta(seconds=40), "llm_timeout")
    return generate_latest(telemetry.registry).decode()


def test_status_shows_queues_dead_letters_workers_and_scan_metrics(
    cluster: FakeCluster,
    kubeconfig: Path,
    worker: CeleryWorker,
    httpserver: HTTPServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_cli(capsys, "deploy", "--tag", "v1", "--wait", NO_REGISTRY).code == 0
    httpserver.expect_request("/metrics").respond_with_data(_metrics_text(), content_type="text/plain")

    def pidbox_online() -> bool:
        queues = httpx.get(MANAGEMENT_URL + "/api/queues", auth=("guest", "guest"), timeout=5).json()
        return any(q["name"].startswith(worker.name.split("@")[0]) and q.get("consumers") for q in queues)

    assert wait_for(pidbox_online, 15), "the worker never consumed its pidbox queue"
    run = run_cli(capsys, "status", "--api-url", httpserver.url_for("/"), "-o", "json")
    assert run.code == 0, run.out
    data = run.json()["data"]
    assert {q["queue"] for q in data["queues"]} >= {"scan.analyse", "scan.post"}
    assert worker.name.split("@")[0] in " ".join(data["workers_online"])
    metrics = data["metrics"]
    assert metrics["source"] == "api" and metrics["scans"] == 10
    assert metrics["success_rate"] == pytest.approx(0.9)
    assert 5 < metrics["p95_seconds"] <= 60

    _dead_letter(worker.env["WASTE_BROKER_URL"])
    problem = "scan.analyse.dlq holds 1 dead letter(s)"

    def reported() -> bool:  # the management API refreshes queue statistics every few seconds
        sick = run_cli(capsys, "status", "-o", "json")
        return sick.code == 1 and problem in sick.json()["data"]["problems"]

    assert wait_for(reported, 20, interval=1.0)


def test_scan_metrics_from_prometheus(httpserver: HTTPServer) -> None:
    from wastectl.deploy.metrics import from_prometheus

    answers = {
        "sum(increase(waste_scans_finished_total[1h]))": "40",
        'sum(increase(waste_scans_finished_total{status="done"}[1h]))': "38",
        "histogram_quantile(0.95, sum by (le) (rate(waste_scan_duration_seconds_bucket[1h])))": "7.5",
    }
    for query, value in answers.items():
        body = {
            "status": "success",
            "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, value]}]},
        }
        httpserver.expect_request("/api/v1/query", query_string={"query": query}).respond_with_json(body)
    metrics = from_prometheus(httpserver.url_for("/"))
    assert (metrics.source, metrics.window, metrics.scans) == ("prometheus", "last 1h", 40.0)
    assert metrics.success_rate == pytest.approx(0.95) and metrics.p95_seconds == 7.5


def test_api_metrics_are_read_with_the_metrics_token(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A production API answers /metrics only to `Authorization: Bearer <WASTE_METRICS_TOKEN>`."""
    from wastectl.deploy.metrics import from_api

    monkeypatch.setenv("WASTE_METRICS_TOKEN", "t0ken")
    httpserver.expect_request("/metrics", headers={"Authorization": "Bearer t0ken"}).respond_with_data(
        _metrics_text(), content_type="text/plain"
    )
    assert from_api(httpserver.url_for("/")).scans == 10
