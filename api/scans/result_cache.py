"""`RenderedScans`: scans' JSON per language, so that reading one again costs no query.

A finished (done or failed) scan changes only when someone answers its question or corrects its
item (re-grounding), when a failed one is replayed from the dead-letter queue, when its images are
purged, or when its owner's account is deleted; a pending scan changes at each pipeline stage.
`api.scans.changes` notes every change to a finished scan and every scan's move to a final status
(whatever code makes it), and the change feed evicts it in every process (`api.cache.store` says
when a hit is trusted). The stage changes of a pending scan are not announced (the pipeline makes
several per scan), so a pending scan is kept only `pending_ttl_seconds`: a poll may show the stage
of up to that long ago, never a finished scan as pending (its finishing is announced).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from api.cache.changes import Change, ChangeKind
from api.cache.store import FeedCache


@dataclass(frozen=True)
class RenderedScan:
    scan_id: uuid.UUID
    user_id: uuid.UUID
    body: bytes  # `ScanOut` as JSON, in the language of its key
    final: bool  # done or failed (200); else pending (202 + Retry-After)


class RenderedScans(FeedCache[tuple[uuid.UUID, str], RenderedScan]):
    """(scan id, language) -> `RenderedScan`."""

    def __init__(
        self,
        *,
        ttl_seconds: float,
        pending_ttl_seconds: float,
        max_entries: int,
        trusted: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ttl_seconds=ttl_seconds, max_entries=max_entries, trusted=trusted, clock=clock)
        self.pending_ttl_seconds = pending_ttl_seconds

    def get(self, scan_id: uuid.UUID, lang: str, user_id: uuid.UUID) -> RenderedScan | None:
        """The cached scan when the caller owns it; None otherwise (the database decides)."""
        hit = self.lookup((scan_id, lang))
        return hit if hit is not None and hit.user_id == user_id else None

    def remember(self, lang: str, rendered: RenderedScan, *, generation: int) -> None:
        if rendered.final or self.pending_ttl_seconds > 0:
            self.put((rendered.scan_id, lang), rendered, generation=generation)

    def ttl_of(self, value: RenderedScan) -> float:
        return self.ttl_seconds if value.final else min(self.ttl_seconds, self.pending_ttl_seconds)

    def evict(self, change: Change) -> None:
        if change.kind is ChangeKind.scan:
            self.drop_where(lambda rendered: rendered.scan_id == change.id)
        elif change.kind is ChangeKind.user:
            self.drop_where(lambda rendered: rendered.user_id == change.id)
        elif change.kind is ChangeKind.all_scans:
            self.clear()
