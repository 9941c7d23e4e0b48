from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api import __version__
from api.deps import ContextDep
from api.health.checks import REQUIRED, run_checks

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process is up and serving. Never touches a dependency."""
    return {"status": "ok", "version": __version__}


@router.get(
    "/readyz",
    responses={503: {"description": "A required dependency is down; the failing component is named"}},
)
async def readyz(context: ContextDep) -> JSONResponse:
    """Readiness: 503 when the database or the broker is down (`failing`); 200 with status
    `degraded` when only Redis is (`degraded`: caches and rate limits suffer, scans still flow)."""
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
    return JSONResponse(body, status_code=503 if failing else 200)
