"""`install_edge(app, settings)`: the ASGI layers in front of every route, outermost first.

    security headers  - sees every response, the 413/422 answered below it and a 500 too
    CORS              - answers preflights from `WASTE_CORS_ORIGINS` and refuses the rest
    body limit        - 413 before an over-large body is read
    control chars     - 422 for control characters in path, query and JSON strings

(Starlette adds middleware from the inside out, hence the reversed order of the calls.)
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from api.http.body_limit import FORM_OVERHEAD_BYTES, BodyLimitMiddleware
from api.http.headers import SecurityHeadersMiddleware
from api.http.text import ControlCharacterMiddleware
from api.settings import Settings

API_PREFIX = "/api/v1"
# The two routes that take an image in the body; every other route takes small JSON.
IMAGE_BODY_PATHS = (f"{API_PREFIX}/uploads/local", f"{API_PREFIX}/scans")
CORS_METHODS = ["GET", "POST", "PATCH", "DELETE"]
CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID", "X-Frontend-Origin"]


def form_limits(settings: Settings) -> dict[str, int]:
    return dict.fromkeys(IMAGE_BODY_PATHS, settings.upload_max_bytes + FORM_OVERHEAD_BYTES)


def install_edge(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(ControlCharacterMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.request_body_max_bytes,
        form_limits=form_limits(settings),
    )
    if settings.cors_origins:
        # Credentials (the web login's cookies) only ever go to origins named one by one.
        wildcard = "*" in settings.cors_origins
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=not wildcard,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_HEADERS,
            max_age=600,
        )
    _wrap_outermost(app, settings)


def _wrap_outermost(app: FastAPI, settings: Settings) -> None:
    """Security headers around Starlette's ServerErrorMiddleware too (which `add_middleware`
    cannot reach), so that a 500 carries them like every other response."""
    docs = [url for url in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if url]
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeadersMiddleware(
            build(),
            hsts_always=settings.is_production,
            no_store_prefixes=(f"{API_PREFIX}/auth/",),
            no_csp_paths=docs,
        )

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
