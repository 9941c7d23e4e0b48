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
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class RequestMetricsMiddleware:
    """Count and time each HTTP request by route template: plain ASGI, on the response's start.

    Not `@app.middleware("http")`: that wraps every request in Starlette's `BaseHTTPMiddleware`
    (a task group and memory streams per request), which cost the small endpoints a tenth of
    their rate (docs/benchmarks.md, "API endpoints").
    """

    def __init__(self, app: ASGIApp, *, requests: Counter, latency: Histogram) -> None:
        self.app = app
        self.requests = requests
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before starting a response

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            route = scope.get("route")
            # The route's template within its router (`/scans/{scan_id}`; FastAPI 0.165 keeps the
            # `/api/v1` prefix on the router), never the raw path: bounded label values.
            template = getattr(route, "path", "unmatched")
            method = scope["method"]
            self.latency.labels(method, template).observe(time.perf_counter() - started)
            self.requests.labels(method, template, str(status)).inc()


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

    app.add_middleware(RequestMetricsMiddleware, requests=requests, latency=latency)

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
