"""One error shape for every endpoint: `{"detail": str, "code": str}` (422 keeps FastAPI's field list)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    detail: str
    code: str


class ApiError(Exception):
    """Raise from services and routes; rendered as `{"detail", "code"}` with the given status."""

    def __init__(
        self, status_code: int, detail: str, *, code: str = "error", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.code = code
        self.headers = headers


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing, expired or invalid credentials",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Payload too large",
    422: "Validation error",
    429: "Too many requests",
    502: "An upstream provider failed",
    503: "A dependency is unavailable",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the error statuses a route can return."""
    return {code: {"model": ErrorBody, "description": _DESCRIPTIONS.get(code, "Error")} for code in codes}


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(
        {"detail": exc.detail, "code": exc.code}, status_code=exc.status_code, headers=exc.headers
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(
        {"detail": str(exc.detail), "code": code},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    """No pooled connection came free within the checkout timeout: shed load, do not queue forever."""
    log.warning("database pool exhausted on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(
        {"detail": "the service is busy; retry shortly", "code": "database_busy"},
        status_code=503,
        headers={"Retry-After": "1"},
    )


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database refused or dropped the connection (a restart, a failover): tell clients to retry."""
    assert isinstance(exc, DBAPIError)
    if not exc.connection_invalidated and not isinstance(exc, OperationalError):
        return await _unexpected(request, exc)
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
    return JSONResponse(
        {"detail": "the database is unavailable; retry shortly", "code": "database_unavailable"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "internal error", "code": "internal"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolTimeout, _database_busy)
    app.add_exception_handler(DBAPIError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)
