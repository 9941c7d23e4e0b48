from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api import __version__
from api.deps import ContextDep
from api.health.checks import run_checks

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process is up and serving. Never touches a dependency."""
    return {"status": "ok", "version": __version__}


@router.get(
    "/readyz",
    responses={503: {"description": "A dependency is down; the failing component is named"}},
)
async def readyz(context: ContextDep) -> JSONResponse:
    """Readiness: the database, and the broker and Redis when configured, answer."""
    checks: dict[str, Any] = await run_in_threadpool(run_checks, context)
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {
        "status": "ok" if not failing else "unavailable",
        "failing": failing,
        "checks": checks,
    }
    return JSONResponse(body, status_code=503 if failing else 200)
