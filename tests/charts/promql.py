"""The PromQL of the chart's dashboard and alert rules, and the metric names the app exports."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from tests.charts.support import CHART, RELEASE, by_kind, render

METRIC = re.compile(r"\b(waste_[a-z0-9_]+)\b")
# Sample names a metric family of each type exposes (prometheus_client, text format 0.0.4).
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
    "summary": ("", "_count", "_sum", "_created"),
}


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((CHART / "files" / "dashboard.json").read_text())
    return loaded


def dashboard_queries() -> dict[str, list[str]]:
    """{panel title: [expr, ...]} for every non-row panel."""
    return {
        panel["title"]: [target["expr"] for target in panel["targets"]]
        for panel in dashboard()["panels"]
        if panel["type"] != "row"
    }


def rule_queries() -> dict[str, str]:
    values = {"monitoring": {"prometheusRule": {"enabled": True}}}
    rule = by_kind(render(values), "PrometheusRule")[RELEASE]
    return {
        f"{r['alert']} {r.get('labels', {}).get('queue', '')}".strip(): r["expr"]
        for group in rule["spec"]["groups"]
        for r in group["rules"]
    }


def metric_names(expr: str) -> set[str]:
    return set(METRIC.findall(expr))


def exported_sample_names(families: Iterable[Any]) -> set[str]:
    """Every sample name the given metric families can expose."""
    names: set[str] = set()
    for family in families:
        for suffix in SUFFIXES.get(family.type, ("",)):
            names.add(family.name + suffix)
        names.update(sample.name for sample in family.samples)
    return names
