"""The PrometheusRule's alerts, checked and unit-tested by Prometheus's own `promtool`.

`promtool check rules` parses every expression; `promtool test rules` feeds synthetic series
(shaped like the app's real metrics) and asserts which alerts fire, with which labels, and that
a healthy system fires none.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.charts.support import RELEASE, by_kind, render
from tests.support import services

LLM_COUNT = "waste_llm_request_duration_seconds_count"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        services.unavailable("promtool", "PATH", "apt-get install prometheus (provides promtool)")
    assert found is not None
    return found


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    rule = by_kind(render({"monitoring": {"prometheusRule": {"enabled": True}}}), "PrometheusRule")[RELEASE]
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(rule["spec"]))
    return path


def _run(promtool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, *args], capture_output=True, text=True, timeout=60, check=False)


def test_promtool_checks_every_rule(promtool: str, rules_file: Path) -> None:
    result = _run(promtool, "check", "rules", str(rules_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 9 rules found" in result.stdout


def _series(name: str, values: str) -> dict[str, str]:
    return {"series": name, "values": values}


def _alert(name: str, labels: dict[str, str], annotations: dict[str, str]) -> dict[str, Any]:
    return {"exp_labels": labels, "exp_annotations": annotations}


def _consumers(analyse: str) -> list[dict[str, str]]:
    return [
        {
            "series": f'waste_queue_consumers{{queue="{q}"}}',
            "values": analyse if q == "scan.analyse" else "1x30",
        }
        for q in ("scan.analyse", "scan.post", "batch", "default")
    ]


def test_alerts_fire_on_failures_and_stay_quiet_when_healthy(
    promtool: str, rules_file: Path, tmp_path: Path
) -> None:
    # 100 requests/min; in the broken case 10 of them are 5xx (10% > 5%).
    http_ok = {"series": 'waste_http_requests_total{status="200",route="/scans",method="POST"}',
               "values": "0+100x30"}  # fmt: skip
    http_5xx = {"series": 'waste_http_requests_total{status="502",route="/scans",method="POST"}',
                "values": "0+10x30"}  # fmt: skip
    llm = 'provider="openai",model="gpt-4o"'
    broken = {
        "interval": "1m",
        "input_series": [
            {"series": 'waste_queue_messages{queue="scan.analyse.dlq"}', "values": "0 0 3x28"},
            {"series": 'waste_queue_messages{queue="scan.post.dlq"}', "values": "0x30"},
            {"series": "waste_queue_scrape_ok", "values": "1x30"},
            http_ok, http_5xx,
            *_consumers("1 1 0x28"),
            # LLM: 30 calls/min, 12 of them errors (40% > 20%).
            _series(f'{LLM_COUNT}{{{llm},outcome="ok"}}', "0+18x30"),
            _series(f'{LLM_COUNT}{{{llm},outcome="error"}}', "0+12x30"),
            {"series": f'waste_llm_errors_total{{{llm},code="rate_limited"}}', "values": "0+12x30"},
            # Every scan takes more than 60 s: p95 far above 30 s.
            {"series": 'waste_scan_duration_seconds_bucket{le="30",status="done"}', "values": "0x30"},
            {"series": 'waste_scan_duration_seconds_bucket{le="60",status="done"}', "values": "0x30"},
            {"series": 'waste_scan_duration_seconds_bucket{le="+Inf",status="done"}', "values": "0+10x30"},
        ],
        "alert_rule_test": [
            {"eval_time": "20m", "alertname": "WasteDeadLetterQueueNotEmpty", "exp_alerts": [_alert(
                "dlq", {"severity": "warning", "queue": "scan.analyse.dlq"},
                {"summary": "Dead-lettered messages in scan.analyse.dlq",
                 "description": "Inspect and replay with `wastectl queues dlq show/replay`."})]},
            {"eval_time": "20m", "alertname": "WasteApiHigh5xxRatio", "exp_alerts": [_alert(
                "5xx", {"severity": "critical"}, {"summary": "More than 5% of API responses are 5xx"})]},
            {"eval_time": "25m", "alertname": "WasteScanP95Slow", "exp_alerts": [_alert(
                "p95", {"severity": "warning"}, {"summary": "Scan p95 (upload to result) above 30s"})]},
            {"eval_time": "25m", "alertname": "WasteLlmErrorRate", "exp_alerts": [_alert(
                "llm", {"severity": "warning", "provider": "openai", "model": "gpt-4o"},
                {"summary": "LLM errors above 20% for openai/gpt-4o"})]},
            {"eval_time": "20m", "alertname": "WasteQueueWithoutConsumer", "exp_alerts": [_alert(
                "consumer", {"severity": "critical", "queue": "scan.analyse"},
                {"summary": "No worker consumes queue scan.analyse"})]},
            {"eval_time": "20m", "alertname": "WasteQueueDepthUnknown", "exp_alerts": []},
        ],
    }  # fmt: skip
    healthy = {
        "interval": "1m",
        "input_series": [
            {"series": 'waste_queue_messages{queue="scan.analyse.dlq"}', "values": "0x30"},
            {"series": "waste_queue_scrape_ok", "values": "1x30"},
            http_ok,
            *_consumers("1x30"),
            _series(f'{LLM_COUNT}{{{llm},outcome="ok"}}', "0+30x30"),
            {"series": f'waste_llm_errors_total{{{llm},code="rate_limited"}}', "values": "0x30"},
            {"series": 'waste_scan_duration_seconds_bucket{le="30",status="done"}', "values": "0+10x30"},
            {"series": 'waste_scan_duration_seconds_bucket{le="+Inf",status="done"}', "values": "0+10x30"},
        ],
        "alert_rule_test": [
            {"eval_time": "25m", "alertname": name, "exp_alerts": []}
            for name in ("WasteDeadLetterQueueNotEmpty", "WasteApiHigh5xxRatio", "WasteScanP95Slow",
                         "WasteLlmErrorRate", "WasteQueueWithoutConsumer", "WasteQueueDepthUnknown")
        ],
    }  # fmt: skip
    tests = tmp_path / "tests.yml"
    tests.write_text(yaml.safe_dump({"rule_files": [str(rules_file)], "evaluation_interval": "1m",
                                     "tests": [broken, healthy]}))  # fmt: skip
    result = _run(promtool, "test", "rules", str(tests))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_parses_every_dashboard_query(promtool: str, tmp_path: Path) -> None:
    """Each panel query as a recording rule: Prometheus's own parser accepts every one."""
    from tests.charts.promql import dashboard_queries

    rules = [
        {"record": f"wastecoach:dashboard_query_{n}", "expr": expr}
        for n, expr in enumerate(e for exprs in dashboard_queries().values() for e in exprs)
    ]
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = _run(promtool, "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout
