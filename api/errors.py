"""One error shape for every endpoint: `{"detail": str, "code": str}`.

A validation error (FastAPI's own, or one a route raises as `RequestValidationError`) has the
same two fields, `detail` summing up the problems and `code` = `validation_error` (or the code the
route names for the failing field, see `CodedValidation`), plus `errors`, the field list (`loc`,
`msg`, `type`); the OpenAPI schema documents that one 422 body for every operation
(`install_openapi`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.domain_errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    LimitReached,
    NotFound,
    TooLarge,
    Unavailable,
    UnsupportedMedia,
)

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    detail: str
    code: str


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    """Every 422: `{detail, code}` like any error, with the field list when fields are at fault."""

    detail: str
    code: str
    errors: list[FieldError] | None = None


class ApiError(Exception):
    """Raise from routes and the HTTP edge; rendered as `{"detail", "code"}` with the given status.

    Services, storage and erasure raise `api.domain_errors` kinds instead (they also run in the
    workers); `DOMAIN_STATUS` below is the one place those become HTTP statuses."""

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
    return {
        code: {
            "model": ValidationErrorBody if code == 422 else ErrorBody,
            "description": _DESCRIPTIONS.get(code, "Error"),
        }
        for code in codes
    }


#: The HTTP status of each kind of domain failure (the first match along the exception's classes).
DOMAIN_STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedMedia: 415,
    LimitReached: 429,
    Unavailable: 503,
}


def domain_status(exc: DomainError) -> int:
    return next((DOMAIN_STATUS[kind] for kind in type(exc).__mro__ if kind in DOMAIN_STATUS), 500)


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return JSONResponse(
        {"detail": exc.detail, "code": exc.code}, status_code=domain_status(exc), headers=headers
    )


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(
        {"detail": exc.detail, "code": exc.code}, status_code=exc.status_code, headers=exc.headers
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
        exc.status_code, "http_error"
    )
    return JSONResponse(
        {"detail": str(exc.detail), "code": code},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """FastAPI's entries without `input` and `ctx`: no echo of what was sent (it may be large or a
    secret), and `ctx` can hold exception objects that are not JSON."""
    return [
        {"loc": [p if isinstance(p, int) else str(p) for p in error.get("loc", ())],
         "msg": str(error.get("msg", "")), "type": str(error.get("type", "value_error"))}
        for error in exc.errors()
    ]  # fmt: skip


@runtime_checkable
class CodedValidation(Protocol):
    """A route that names the `code` of a validation failure at `loc` (`("body", "lat")`), e.g.
    `invalid_location` rather than `validation_error`; None leaves the generic code.
    (api.http.media_route.MediaTypeRoute is one; the route is `scope["route"]` once matched.)"""

    def validation_code(self, loc: Sequence[str | int]) -> str | None: ...


def _validation_code(request: Request, errors: list[dict[str, Any]]) -> str:
    """The route's code for the first error it names one for, else `validation_error`."""
    route = request.scope.get("route")
    if isinstance(route, CodedValidation):
        for error in errors:
            code = route.validation_code(error["loc"])
            if code is not None:
                return code
    return "validation_error"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    detail = "; ".join(".".join(map(str, e["loc"])) + f": {e['msg']}" for e in errors[:5])
    if len(errors) > 5:
        detail += f"; and {len(errors) - 5} more"
    return JSONResponse(
        {"detail": detail or "invalid request", "code": _validation_code(request, errors), "errors": errors},
        status_code=422,
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
    if isinstance(exc, DataError):
        # The database refused a value (a NUL byte, a number out of range): the input's fault.
        # The edge refuses such input earlier (api/http/text.py); this is the last line.
        log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
        return JSONResponse(
            {"detail": "a value in the request cannot be stored", "code": "invalid_value"}, status_code=422
        )
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
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolTimeout, _database_busy)
    app.add_exception_handler(DBAPIError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)


def _document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation documents the one 422 body (the edge can answer 422 for any request that
    carries a control character) and, when it takes a body, the 413 of the body limit."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for model in (ValidationErrorBody, FieldError, ErrorBody):
        components.setdefault(
            model.__name__, model.model_json_schema(ref_template="#/components/schemas/{model}")
        )
    components["ValidationErrorBody"].pop("$defs", None)
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            responses["422"] = {
                "description": _DESCRIPTIONS[422],
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ValidationErrorBody"}}
                },
            }
            if "requestBody" in operation:
                responses.setdefault("413", {
                    "description": _DESCRIPTIONS[413],
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                })  # fmt: skip
    return schema


OpenApiStep = Callable[[FastAPI, dict[str, Any]], dict[str, Any]]


def install_openapi(app: FastAPI, *steps: OpenApiStep) -> None:
    """Wrap `app.openapi` so the generated schema goes through `steps` (in order; e.g. the merge of
    api.http.media_route) and then carries the error bodies above."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for step in steps:
                schema = step(app, schema)
            app.openapi_schema = _document_errors(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
