"""`FinishedScans`: the JSON of finished scans, per language, so that reading one again costs no query.

A done or failed scan changes only when someone answers its question or corrects its item
(re-grounding), when a failed one is replayed from the dead-letter queue, when its images are
purged, or when its owner's account is deleted; `api.scans.changes` notes each such change
(whatever code makes it) and the change feed evicts it in every process (`api.cache.store` says
when a hit is trusted). A pending scan is never cached: every poll reads its row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from api.cache.changes import Change, ChangeKind
from api.cache.store import FeedCache


@dataclass(frozen=True)
class RenderedScan:
    scan_id: uuid.UUID
    user_id: uuid.UUID
    body: bytes  # `ScanOut` as JSON, in the language of its key


class FinishedScans(FeedCache[tuple[uuid.UUID, str], RenderedScan]):
    """(scan id, language) -> `RenderedScan`."""

    def get(self, scan_id: uuid.UUID, lang: str, user_id: uuid.UUID) -> bytes | None:
        """The cached body when the caller owns the scan; None otherwise (the database decides)."""
        hit = self.lookup((scan_id, lang))
        return hit.body if hit is not None and hit.user_id == user_id else None

    def remember(self, lang: str, rendered: RenderedScan, *, generation: int) -> None:
        self.put((rendered.scan_id, lang), rendered, generation=generation)

    def evict(self, change: Change) -> None:
        if change.kind is ChangeKind.scan:
            self.drop_where(lambda rendered: rendered.scan_id == change.id)
        elif change.kind is ChangeKind.user:
            self.drop_where(lambda rendered: rendered.user_id == change.id)
        elif change.kind is ChangeKind.all_scans:
            self.clear()
