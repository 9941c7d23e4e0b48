"""The interface that hands a scan to whatever runs it (api.tasks.dispatch, workers.dispatch).

Its own small module so that the dependency aliases (api.deps) and the app context can name it
without importing the runners, which import the scan feature.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from api.context import AppContext


class Dispatcher(Protocol):
    def enqueue_scan(self, scan_id: uuid.UUID) -> None: ...
    def close(self) -> None: ...


DispatcherFactory = Callable[["AppContext"], Dispatcher]
