"""Live progress of a long Terraform run on stderr: the resource being changed and the elapsed
time, from Terraform's `-json` events (a spinner on a terminal, plain lines otherwise)."""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status


class Progress:
    def __init__(self, console: Console, title: str) -> None:
        self.console = console
        self.title = title
        self.started = time.monotonic()
        self._status: Status | None = None

    def __enter__(self) -> Progress:
        if self.console.is_terminal:
            self._status = self.console.status(self.title)
            self._status.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._status is not None:
            self._status.stop()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def __call__(self, message: str) -> None:
        from rich.text import Text

        stamp = f"[{self.elapsed:6.1f}s] "
        self.console.print(Text(stamp, style="dim") + Text(message))
        if self._status is not None:
            self._status.update(f"{self.title}: {message} ({self.elapsed:.0f}s)")
