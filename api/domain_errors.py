"""What services, storage and erasure raise when a request cannot be served: kinds of failure, no HTTP.

They run in the API and in the Celery workers alike, so they say *what* went wrong (not found,
invalid, a dependency unavailable, ...) with a stable machine `code` and a human `detail`;
`api.errors` alone turns a kind into an HTTP status (`DOMAIN_STATUS`) and the `{"detail", "code"}`
body. Routes and the HTTP edge keep raising `api.errors.ApiError`, which is HTTP by nature.
"""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, detail: str, *, code: str, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        #: Seconds after which trying again can succeed (a quota window, a busy or absent dependency).
        self.retry_after = retry_after


class InvalidInput(DomainError):
    """A value the caller sent cannot be used (unknown id, out of range, malformed)."""


class NotFound(DomainError):
    """The thing asked for does not exist, or not for this user."""


class Forbidden(DomainError):
    """It exists but belongs to someone else."""


class Conflict(DomainError):
    """The current state does not allow it (not uploaded yet, not finished, a concurrent change)."""


class TooLarge(DomainError):
    """Bigger than a configured limit (bytes, pixels)."""


class UnsupportedMedia(DomainError):
    """A kind of content this service does not take (an image format)."""


class LimitReached(DomainError):
    """A per-user allowance is used up for now (the daily scan quota)."""


class Unavailable(DomainError):
    """A dependency cannot serve it right now (storage, the image decoder, the state store); retry."""
