"""Scan success rate and p95 latency: from Prometheus over the last hour when one is configured,
else from the API's own `/metrics` (cumulative since that API process started, and said so).

Metric names are the app's (api/telemetry.py): `waste_scans_finished_total{status}` and the histogram
`waste_scan_duration_seconds{status}`; final statuses are `done` and `failed`.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from typing import Any

FINISHED = "waste_scans_finished"
DURATION = "waste_scan_duration_seconds"
SUCCESS = "done"


@dataclass
class ScanMetrics:
    source: str  # "prometheus" | "api"
    window: str
    scans: float
    success_rate: float | None
    p95_seconds: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def quantile(buckets: list[tuple[float, float]], q: float) -> float | None:
    """histogram_quantile over cumulative (upper bound, count) buckets, linear inside a bucket."""
    buckets = sorted(buckets)
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            width = count - lower_count
            return lower_bound + (bound - lower_bound) * ((rank - lower_count) / width if width else 1.0)
        lower_bound, lower_count = bound, count
    return lower_bound


def from_api(api_url: str, timeout: float = 5.0) -> ScanMetrics:
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    from wastectl.errors import WastectlError

    # A production API answers /metrics only to the bearer of its WASTE_METRICS_TOKEN.
    token = os.environ.get("WASTE_METRICS_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.get(api_url.rstrip("/") + "/metrics", timeout=timeout, headers=headers)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise WastectlError(f"cannot read {api_url}/metrics: {exc}") from None
    finished: dict[str, float] = {}
    buckets: dict[float, float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == f"{FINISHED}_total":
                status = sample.labels.get("status", "")
                finished[status] = finished.get(status, 0.0) + sample.value
            elif sample.name == f"{DURATION}_bucket":
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
    total = sum(finished.values())
    rate = finished.get(SUCCESS, 0.0) / total if total else None
    return ScanMetrics(
        "api", "since the API process started", total, rate, quantile(list(buckets.items()), 0.95)
    )


def _promql(base: str, query: str, timeout: float) -> float | None:
    import httpx

    response = httpx.get(base.rstrip("/") + "/api/v1/query", params={"query": query}, timeout=timeout)
    response.raise_for_status()
    result = response.json().get("data", {}).get("result") or []
    if not result:
        return None
    value = float(result[0]["value"][1])
    return None if math.isnan(value) else value  # NaN: no data in the window


def from_prometheus(url: str, timeout: float = 5.0) -> ScanMetrics:
    import httpx

    from wastectl.errors import WastectlError

    try:
        total = _promql(url, f"sum(increase({FINISHED}_total[1h]))", timeout) or 0.0
        done = _promql(url, f'sum(increase({FINISHED}_total{{status="{SUCCESS}"}}[1h]))', timeout) or 0.0
        p95 = _promql(url, f"histogram_quantile(0.95, sum by (le) (rate({DURATION}_bucket[1h])))", timeout)
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise WastectlError(f"cannot query Prometheus at {url}: {exc}") from None
    return ScanMetrics("prometheus", "last 1h", total, done / total if total else None, p95)


def scan_metrics(prometheus_url: str | None, api_url: str | None) -> tuple[ScanMetrics | None, str | None]:
    from wastectl.errors import WastectlError

    try:
        if prometheus_url:
            return from_prometheus(prometheus_url), None
        if api_url:
            return from_api(api_url), None
    except WastectlError as exc:
        return None, f"metrics: {exc.message}"
    return None, "metrics: pass --prometheus-url (last hour) or --api-url (the API's /metrics)"
