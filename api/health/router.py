from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api import __version__
from api.deps import ContextDep
from api.health.checks import run_checks
from api.metrics import internal_caller

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process is up and serving. Never touches a dependency."""
    return {"status": "ok", "version": __version__}


@router.get(
    "/readyz",
    responses={503: {"description": "A dependency is down; the failing component is named"}},
)
async def readyz(context: ContextDep, request: Request) -> JSONResponse:
    """Readiness: the database (migrated to this code's heads), and the broker and Redis when configured.

    In production only a bearer of `WASTE_METRICS_TOKEN` sees which check failed and why; anyone
    else gets the status alone (`api.metrics.internal_caller`).
    """
    checks: dict[str, Any] = await run_in_threadpool(run_checks, context)
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {
        "status": "ok" if not failing else "unavailable",
        "failing": failing,
        "checks": checks,
    }
    visible = body if internal_caller(request, context.settings) else {"status": body["status"]}
    return JSONResponse(visible, status_code=503 if failing else 200)
