from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api import __version__
from api.deps import ContextDep
from api.health.checks import REQUIRED, run_checks
from api.metrics import internal_caller

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: str
    version: str


_LIVE_BODY = Liveness(status="ok", version=__version__).model_dump_json().encode()


@router.get("/healthz", response_model=Liveness)
async def healthz() -> Response:
    """Liveness: the process is up and serving. Never touches a dependency.

    Async and answered from bytes made once: probes call it every few seconds per pod, and a
    `def` endpoint would cost a hop to a worker thread and back each time.
    """
    return Response(_LIVE_BODY, media_type="application/json")


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
