from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.routing import Match, Route
from starlette.types import Scope

from api import __version__
from api.deps import ContextDep
from api.health.checks import REQUIRED, run_checks
from api.metrics import internal_caller

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: str
    version: str


_LIVE_BODY = Liveness(status="ok", version=__version__).model_dump_json().encode()


async def healthz(request: Request) -> Response:
    """Liveness: the process is up and serving. Never touches a dependency."""
    del request
    return Response(_LIVE_BODY, media_type="application/json")


#: Probes call it every few seconds per pod, so it is a plain Starlette route answering bytes made
#: once: FastAPI's per-route work (dependency solving, response handling) was most of its cost
#: (0.57 of a bare Starlette hello as a FastAPI route, 0.79 as this; docs/benchmarks.md). It still
#: passes every middleware (headers, metrics); `document_liveness` puts it in the OpenAPI schema.
class _PlainRoute(Route):
    """A Starlette route that names itself in the scope as FastAPI's do (the metrics' route label)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE:
            child = {**child, "route": self}
        return match, child


liveness_route = _PlainRoute("/healthz", healthz, methods=["GET"], name="healthz")


def document_liveness(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI step (`api.errors.install_openapi`): describe `liveness_route`, which FastAPI does not."""
    del app
    schema.setdefault("components", {}).setdefault("schemas", {})["Liveness"] = Liveness.model_json_schema()
    schema["paths"]["/healthz"] = {
        "get": {
            "tags": ["health"],
            "summary": "Healthz",
            "description": healthz.__doc__,
            "operationId": "health-healthz",
            "responses": {
                "200": {
                    "description": "Successful Response",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Liveness"}}},
                }
            },
        }
    }
    return schema


@router.get(
    "/readyz",
    responses={503: {"description": "A required dependency is down; the failing component is named"}},
)
async def readyz(context: ContextDep, request: Request) -> JSONResponse:
    """Readiness: 503 when the database (migrated to this code's heads) or the broker is down
    (`failing`); 200 with status `degraded` when only Redis is (`degraded`: caches and rate limits
    suffer, scans still flow).

    In production only a bearer of `WASTE_METRICS_TOKEN` sees which check failed and why; anyone
    else gets the status alone (`api.metrics.internal_caller`).
    """
    checks: dict[str, Any] = await run_in_threadpool(run_checks, context)
    down = [name for name, result in checks.items() if not result["ok"]]
    failing = [name for name in down if name in REQUIRED]
    degraded = [name for name in down if name not in REQUIRED]
    body = {
        "status": "unavailable" if failing else "degraded" if degraded else "ok",
        "failing": failing,
        "degraded": degraded,
        "checks": checks,
    }
    visible = body if internal_caller(request, context.settings) else {"status": body["status"]}
    return JSONResponse(visible, status_code=503 if failing else 200)
