"""Metrics after real scans: API `/metrics` and a Celery worker's metrics port, RabbitMQ in between.

The worker runs as a subprocess with `WASTE_WORKER_METRICS_PORT` and `WASTE_HEARTBEAT_FILE` set as
the chart sets them; the analyser is the fake OpenAI-compatible server (tokens 120 + 40 per call).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.tasks.names import WORK_QUEUES, QueueName, TaskName, dlq_name
from tests.api.analyser.fake_openai import FakeOpenAI
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, wait_for_scan
from tests.charts.promql import dashboard_queries, metric_names, rule_queries
from tests.support.cli import free_port
from tests.support.processes import wait_for
from tests.workers.support import CeleryWorker, purge

pytestmark = [pytest.mark.services, pytest.mark.slow]


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """{(sample name, labels): value} of a Prometheus text exposition."""
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def metered_worker(stack_values: dict[str, Any], tmp_path: Path, broker_url: str) -> Iterator[CeleryWorker]:
    values = {
        **stack_values,
        "worker_metrics_port": free_port(),
        "worker_metrics_host": "127.0.0.1",
        "heartbeat_file": tmp_path / "heartbeat",
        "heartbeat_interval_seconds": 0.5,
    }
    worker = CeleryWorker(values, tmp_path).start()
    purge(broker_url, *(dlq_name(q) for q in WORK_QUEUES))  # declared by the worker at start
    worker.metrics_url = f"http://127.0.0.1:{values['worker_metrics_port']}/metrics"  # type: ignore[attr-defined]
    worker.heartbeat = values["heartbeat_file"]  # type: ignore[attr-defined]
    yield worker
    worker.stop()
    purge(broker_url, *(dlq_name(q) for q in WORK_QUEUES))


def _scan(api: TestClient, headers: dict[str, str], seed: int) -> str:
    files = {"image": ("x.jpg", imagegen.unique_jpeg(seed), "image/jpeg")}
    response = api.post("/api/v1/scans", files=files, headers=headers)
    assert response.status_code == 202, response.text
    scan_id: str = response.json()["id"]
    return scan_id


def _worker_metrics(worker: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return samples(httpx.get(worker.metrics_url, timeout=5).text)


def test_worker_and_api_metrics_after_real_scans(
    api: TestClient, fake_openai: FakeOpenAI, metered_worker: Any
) -> None:
    headers = login(api)
    # 1: done after one rate limit (a retry); 2: the identical image again (cache hit);
    # 3: the provider's quota is gone (permanent: failed and dead-lettered).
    fake_openai.script("429")
    first = wait_for_scan(api, headers, _scan(api, headers, 901), timeout=30)
    assert first["status"] == "done", first
    second = wait_for_scan(api, headers, _scan(api, headers, 901), timeout=30)
    assert second["status"] == "done" and second["result"]["cached"] is True
    fake_openai.script("quota")
    third = wait_for_scan(api, headers, _scan(api, headers, 902), timeout=30)
    assert third["failure"]["code"] == "quota_exhausted", third
    assert wait_for(
        lambda: value(_worker_metrics(metered_worker), "waste_task_dead_letters_total",
                      queue=QueueName.scan_analyse, code="quota_exhausted") == 1,
        timeout=10,
    )  # fmt: skip

    m = _worker_metrics(metered_worker)
    assert value(m, "waste_scans_finished_total", status="done", failure_code="none") == 2
    assert value(m, "waste_scans_finished_total", status="failed", failure_code="quota_exhausted") == 1
    assert value(m, "waste_scan_duration_seconds_count", status="done") == 2
    assert value(m, "waste_scan_duration_seconds_count", status="failed") == 1
    assert value(m, "waste_scan_cache_hits_total") == 1
    assert value(m, "waste_task_retries_total", task=TaskName.scan_analyse, code="rate_limited") == 1
    # Three calls reached the provider: 429, ok, quota. Only the ok one billed tokens.
    llm = {"provider": "openai", "model": "gpt-4o"}
    assert value(m, "waste_llm_request_duration_seconds_count", outcome="ok", **llm) == 1
    assert value(m, "waste_llm_request_duration_seconds_count", outcome="error", **llm) == 2
    assert value(m, "waste_llm_errors_total", code="rate_limited", **llm) == 1
    assert value(m, "waste_llm_errors_total", code="quota_exhausted", **llm) == 1
    assert value(m, "waste_llm_tokens_total", kind="prompt", **llm) == 120
    assert value(m, "waste_llm_tokens_total", kind="completion", **llm) == 40
    # Stages: each scan was queued once; one analysis ran; both done scans were grounded.
    assert value(m, "waste_scan_stage_duration_seconds_count", stage="queued") == 3
    assert value(m, "waste_scan_stage_duration_seconds_count", stage="analysing") == 1
    assert value(m, "waste_scan_stage_duration_seconds_count", stage="grounding") == 2
    for queue in WORK_QUEUES:
        assert value(m, "waste_worker_consuming", queue=queue) == 1

    # The API: request counts by route template, and the queues as the broker reports them.
    a = samples(api.get("/metrics").text)
    # The route label is the template as the router declares it (without the /api/v1 mount prefix).
    route = {"method": "POST", "route": "/scans"}
    assert value(a, "waste_http_requests_total", status="202", **route) == 3
    assert value(a, "waste_http_request_duration_seconds_count", **route) == 3
    assert value(a, "waste_queue_scrape_ok") == 1
    assert value(a, "waste_queue_messages", queue=dlq_name(QueueName.scan_analyse)) == 1
    assert value(a, "waste_queue_messages", queue=dlq_name(QueueName.scan_post)) == 0
    for queue in WORK_QUEUES:
        assert value(a, "waste_queue_consumers", queue=queue) == 1
    # Every metric the dashboard and the alert rules query is in these real expositions.
    seen = {name for name, _labels in [*m, *a]}
    queried = {n for exprs in dashboard_queries().values() for e in exprs for n in metric_names(e)}
    queried |= {n for expr in rule_queries().values() for n in metric_names(expr)}
    assert queried <= seen, queried - seen

    # Label values stay bounded: route templates, never a scan id (or any other id) in a label.
    scan_ids = {first["id"], second["id"], third["id"]}
    for name, labels in [*m, *a]:
        for _key, label in labels:
            assert len(label) < 64 and not any(sid in label for sid in scan_ids), (name, label)
            assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", label), (name, label)


def test_heartbeat_file_is_refreshed_while_the_worker_runs(metered_worker: Any) -> None:
    heartbeat: Path = metered_worker.heartbeat
    assert heartbeat.exists()
    first = heartbeat.stat().st_mtime
    assert wait_for(lambda: heartbeat.stat().st_mtime > first, timeout=5)
    assert abs(time.time() - float(heartbeat.read_text())) < 5
