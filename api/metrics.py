"""Prometheus metrics at `/metrics`: request counts and latency per route template, plus the
context's scan/LLM/task metrics (api.telemetry) and, with a broker, queue depths (api.queue_metrics).

Each app gets its own registry (no process-global state), so tests can build many apps.

Metrics and readiness details (which dependency failed, and how) are for operators, and the API
port is the public one behind the ingress: in production both answer only a bearer of
`WASTE_METRICS_TOKEN` (`internal_caller`); the chart's ServiceMonitor sends it.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from api.errors import ApiError

if TYPE_CHECKING:
    from api.context import AppContext
    from api.settings import Settings


def internal_caller(request: Request, settings: Settings) -> bool:
    """May this request see operator details? Anyone off production; else a bearer of the metrics token."""
    if not settings.is_production:
        return True
    if settings.metrics_token is None:
        return False
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    expected = settings.metrics_token.get_secret_value()
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), expected.encode())


def install_metrics(app: FastAPI, context: AppContext | None = None) -> CollectorRegistry:
    registry = CollectorRegistry()
    if context is not None:
        registry.register(context.telemetry.registry)
        if context.settings.broker_url:
            from api.queue_metrics import QueueCollector

            registry.register(QueueCollector(context.settings.broker_url))
    requests = Counter(
        "waste_http_requests", "HTTP requests served", ["method", "route", "status"], registry=registry
    )
    latency = Histogram(
        "waste_http_request_duration_seconds",
        "HTTP request latency",
        ["method", "route"],
        registry=registry,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    )

    @app.middleware("http")
    async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        # The route template (`/api/v1/scans/{scan_id}`), never the raw path: bounded label values.
        template = getattr(route, "path", "unmatched")
        latency.labels(request.method, template).observe(time.perf_counter() - started)
        requests.labels(request.method, template, str(response.status_code)).inc()
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        if context is not None and not internal_caller(request, context.settings):
            raise ApiError(
                401,
                "metrics need Authorization: Bearer <WASTE_METRICS_TOKEN>",
                code="metrics_token_required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return registry
