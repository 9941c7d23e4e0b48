"""FastAPI dependencies shared by every feature, as `Annotated` aliases.

The application keeps its collaborators on `app.state` (built once by `api.main.create_app`),
so nothing here is a module-level global and tests can build as many apps as they like. Routes
take the collaborators they use (`StorageDep`, `BundleDep`, `DispatcherDep`, `KakaoDep`) and hand
them to the services by name; only composition code reaches for the whole context.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.context import AppContext
from api.dispatcher import Dispatcher
from api.kakao import KakaoLocalClient
from api.knowledge import KnowledgeBundle
from api.settings import Settings
from api.storage import Storage


# `async def` where nothing waits: FastAPI runs a plain `def` dependency in a worker thread, and a
# hop to a thread and back per dependency was a measurable share of a small request
# (docs/benchmarks.md, "API endpoints"). Whatever does I/O stays a `def` (it must not block the loop).
async def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


async def get_settings(context: Annotated[AppContext, Depends(get_context)]) -> Settings:
    return context.settings


async def get_session(context: Annotated[AppContext, Depends(get_context)]) -> AsyncIterator[Session]:
    """The request's session. Opening one costs no connection; closing one that still holds a
    connection rolls it back over the network, so only that close goes to a thread."""
    session = context.session_factory()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


async def get_storage(context: Annotated[AppContext, Depends(get_context)]) -> Storage:
    return context.storage


async def get_bundle(context: Annotated[AppContext, Depends(get_context)]) -> KnowledgeBundle:
    return context.bundle


async def get_dispatcher(context: Annotated[AppContext, Depends(get_context)]) -> Dispatcher:
    return context.dispatcher


def get_kakao(context: Annotated[AppContext, Depends(get_context)]) -> Iterator[KakaoLocalClient | None]:
    """A Kakao Local client for this request (closed after it), None when Kakao is not configured."""
    client = context.kakao()
    try:
        yield client
    finally:
        if client is not None:
            client.close()


ContextDep = Annotated[AppContext, Depends(get_context)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
StorageDep = Annotated[Storage, Depends(get_storage)]
BundleDep = Annotated[KnowledgeBundle, Depends(get_bundle)]
DispatcherDep = Annotated[Dispatcher, Depends(get_dispatcher)]
KakaoDep = Annotated[KakaoLocalClient | None, Depends(get_kakao)]
