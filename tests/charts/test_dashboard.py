"""Every dashboard panel and alert queries metrics the app really exports (no Grafana needed)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.metrics import install_metrics
from api.queue_metrics import QueueCollector
from api.telemetry import Telemetry
from tests.charts.promql import (
    dashboard,
    dashboard_queries,
    exported_sample_names,
    metric_names,
    rule_queries,
)
from tests.charts.support import RELEASE, by_kind, render


def _app_exports() -> set[str]:
    """Names from the app's own registries: the API's request metrics, the scan/LLM/task telemetry,
    and the queue collector (pointed at a closed port: it still reports its families)."""
    registry = install_metrics(FastAPI())
    families: list[Any] = [*registry.collect(), *Telemetry().registry.collect()]
    families.extend(QueueCollector("amqp://guest:guest@127.0.0.1:1//").collect())
    return exported_sample_names(families)


def test_every_panel_queries_exported_metrics() -> None:
    exported = _app_exports()
    queries = dashboard_queries()
    assert len(queries) >= 15
    for title, exprs in queries.items():
        assert exprs, title
        for expr in exprs:
            names = metric_names(expr)
            assert names, (title, expr)
            assert names <= exported, (title, names - exported)


def test_every_alert_queries_exported_metrics() -> None:
    exported = _app_exports()
    for alert, expr in rule_queries().items():
        names = metric_names(expr)
        assert names and names <= exported, (alert, names - exported)


def test_dashboard_covers_what_the_issue_asks_for() -> None:
    used = {name for exprs in dashboard_queries().values() for e in exprs for name in metric_names(e)}
    assert {
        "waste_http_requests_total", "waste_http_request_duration_seconds_bucket",
        "waste_scans_finished_total", "waste_scan_duration_seconds_bucket",
        "waste_scan_stage_duration_seconds_bucket", "waste_llm_request_duration_seconds_bucket",
        "waste_llm_tokens_total", "waste_queue_messages", "waste_worker_consuming",
    } <= used  # fmt: skip


def test_dashboard_layout_is_valid() -> None:
    board = dashboard()
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    assert board["uid"] == "wastecoach-overview"
    assert board["templating"]["list"][0]["type"] == "datasource"
    for panel in board["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]


def test_dashboard_configmap_carries_the_json() -> None:
    import json

    docs = render({"monitoring": {"dashboard": {"enabled": True}}})
    configmap = by_kind(docs, "ConfigMap")[f"{RELEASE}-dashboard"]
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(configmap["data"]["wastecoach.json"]) == dashboard()
