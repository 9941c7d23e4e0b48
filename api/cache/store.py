"""`FeedCache`: a bounded per-process map whose hits are served only while it can trust that it
hears of every change (see `api.cache.feed`), for a TTL at most.

Trust: a cache of a process that makes every change itself (no broker, no Redis: the embedded
profile) is trusted from the start, since each change evicts directly; with Redis, the feed marks
it trusted once its subscription is confirmed and distrusts and clears it when the link is lost;
with a broker and no Redis it is never trusted. The TTL bounds what
no feed can see, such as a row changed by hand in SQL. The generation rule: a value read from the
database is stored only if nothing was evicted since the read began (the read may have seen the
row just before the change that evicted it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from api.cache.changes import Change

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class FeedCache(Generic[K, V]):
    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_entries: int,
        trusted: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self._trusted = trusted

    # --- to override ------------------------------------------------------------------------
    def evict(self, change: Change) -> None:
        """Drop what `change` makes stale (called by the feed, from any thread)."""
        raise NotImplementedError

    def still_valid(self, value: V) -> bool:
        """False for a value that has gone stale on its own (an expired session)."""
        del value
        return True

    def ttl_of(self, value: V) -> float:
        """How long `value` may be served (at most `ttl_seconds`; some values deserve less)."""
        del value
        return self.ttl_seconds

    # --- the map ----------------------------------------------------------------------------
    @property
    def trusted(self) -> bool:
        return self._trusted

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0 and self.max_entries > 0

    def lookup(self, key: K) -> V | None:
        if not self._trusted:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self._clock() - stored_at >= self.ttl_of(value) or not self.still_valid(value):
            with self._lock:  # `evict` may be iterating the entries in another thread
                self._entries.pop(key, None)
            return None
        return value

    def generation(self) -> int:
        """Read before a database read; `put` then refuses its result if anything was evicted since."""
        return self._generation

    def put(self, key: K, value: V, *, generation: int) -> None:
        if not self.enabled:
            return
        with self._lock:
            if not self._trusted or generation != self._generation:
                return
            if key not in self._entries and len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))  # the oldest insertion
            self._entries[key] = (self._clock(), value)

    def drop(self, key: K) -> None:
        with self._lock:
            self._generation += 1
            self._entries.pop(key, None)

    def drop_where(self, stale: Callable[[V], bool]) -> None:
        with self._lock:
            self._generation += 1
            for key in [key for key, (_, value) in self._entries.items() if stale(value)]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def set_trusted(self, trusted: bool) -> None:
        """Called by the feed: True once subscribed, False (and cleared) when the link is lost."""
        with self._lock:
            self._generation += 1
            self._entries.clear()
            self._trusted = trusted

    def __len__(self) -> int:
        return len(self._entries)
