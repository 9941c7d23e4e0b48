"""What the scan pipeline stages work with, named one by one.

Built from a process's `AppContext` (the API's or a worker's, which own and close the
collaborators); the stages receive it instead of the context, so what they can reach is exactly
what is listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session, sessionmaker

from api.analyser.base import Analyser
from api.context import AppContext
from api.deps import ContextDep
from api.kakao import KakaoLocalClient
from api.knowledge import KnowledgeBundle
from api.settings import Settings
from api.storage import Storage
from api.telemetry import Telemetry


@dataclass(frozen=True)
class ScanRuntime:
    settings: Settings
    session_factory: sessionmaker[Session]
    storage: Storage
    bundle: KnowledgeBundle
    analyser: Analyser
    telemetry: Telemetry
    #: A new Kakao Local client for reverse geocoding (the caller closes it); None when not configured.
    kakao: Callable[[], KakaoLocalClient | None]

    @classmethod
    def from_context(cls, context: AppContext) -> ScanRuntime:
        return cls(
            settings=context.settings,
            session_factory=context.session_factory,
            storage=context.storage,
            bundle=context.bundle,
            analyser=context.analyser,
            telemetry=context.telemetry,
            kakao=context.kakao,
        )


async def get_scan_runtime(context: ContextDep) -> ScanRuntime:
    return ScanRuntime.from_context(context)


#: For the routes that re-run a pipeline stage (grounding, after an answer or a correction).
ScanRuntimeDep = Annotated[ScanRuntime, Depends(get_scan_runtime)]
