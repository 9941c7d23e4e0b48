"""FastAPI dependencies shared by every feature, as `Annotated` aliases.

The application keeps its collaborators on `app.state` (built once by `api.main.create_app`),
so nothing here is a module-level global and tests can build as many apps as they like.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from api.context import AppContext
from api.settings import Settings


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def get_settings(context: Annotated[AppContext, Depends(get_context)]) -> Settings:
    return context.settings


def get_session(context: Annotated[AppContext, Depends(get_context)]) -> Iterator[Session]:
    session = context.session_factory()
    try:
        yield session
    finally:
        session.close()


ContextDep = Annotated[AppContext, Depends(get_context)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
