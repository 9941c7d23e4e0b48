"""The one error a rebuild stage raises: what failed, and the tail of the tool's output."""

from __future__ import annotations

from wastectl.errors import WastectlError


class StageFailed(WastectlError):
    def __init__(self, message: str, *, tail: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.tail = tail
