"""Application factory: `create_app(settings)` builds a self-contained FastAPI app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio.to_thread
from fastapi import FastAPI
from fastapi.routing import APIRoute

from api import __version__
from api.account.router import router as users_router
from api.auth.dev_router import dev_router
from api.auth.router import router as auth_router
from api.context import AppContext
from api.errors import install_error_handlers, install_openapi
from api.health.router import document_liveness, liveness_route
from api.health.router import router as health_router
from api.http.edge import install_edge
from api.http.media_route import merge_media_type_operations
from api.locations.router import router as locations_router
from api.metrics import install_metrics
from api.recycling.router import router as recycling_router
from api.scans.router import router as scans_router
from api.settings import Settings, load_settings
from api.uploads.router import router as uploads_router
from api.web.router import router as web_router

if TYPE_CHECKING:
    from api.dispatcher import DispatcherFactory

API_PREFIX = "/api/v1"
log = logging.getLogger(__name__)


def _operation_id(route: APIRoute) -> str:
    """Stable operation ids (`users-read_me`) so generated mobile clients get clean method names."""
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def create_app(
    settings: Settings | None = None,
    context: AppContext | None = None,
    *,
    dispatcher_factory: DispatcherFactory | None = None,
) -> FastAPI:
    """The app over `context`, or over a context of its own built from `settings` (and the broker
    dispatcher factory, when the caller runs with a broker: see `api.tasks.dispatch.make_dispatcher`)."""
    settings = settings or (context.settings if context else load_settings())
    owns_context = context is None
    ctx = context or AppContext.from_settings(settings, dispatcher_factory=dispatcher_factory)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        log.info("API starting with profile %s", settings.profile())
        # The pool is sized to this many threads (see Settings.api_threads); keep the two in step.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
        # Follow the other processes' changes (with Redis): until then, and whenever the feed is
        # down, every request reads the database (sessions, finished scans).
        ctx.change_feed.start()
        yield
        if owns_context:
            ctx.close()

    app = FastAPI(
        title="AI Waste Coach API",
        version=__version__,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.context = ctx
    install_error_handlers(app)
    install_openapi(app, merge_media_type_operations, document_liveness)
    install_edge(app, settings)
    install_metrics(app, ctx)
    app.router.routes.append(liveness_route)
    app.include_router(health_router)
    # Before the provider routes (`/auth/{provider}/token` would match `dev`). Unless enabled it
    # answers 404 and is left out of the OpenAPI schema.
    app.include_router(dev_router, prefix=API_PREFIX, include_in_schema=settings.dev_login_enabled)
    for router in (
        auth_router,
        users_router,
        recycling_router,
        uploads_router,
        scans_router,
        locations_router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(web_router)  # the browser client at `/` (docs/web.md)
    return app
