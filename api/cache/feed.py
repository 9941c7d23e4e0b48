"""Changes between processes: Redis pub/sub keeps every API process's caches true.

`announce` (called after a commit, see `api.cache.changes`) evicts locally and publishes; a
subscriber thread per process evicts what the others publish. The caches are trusted only while
that subscriber is connected: until the first subscription is confirmed, and from the moment
the connection fails until it is back, every request reads the database (nothing heard in that
gap can be trusted to be everything). Without Redis there is no subscriber: on the embedded
profile (no broker either, one process) local eviction is all there is to do; with a broker the
caches are never trusted (`AppContext.makes_every_change`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from api.cache.changes import Change, ChangeListener

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)

RECONNECT_SECONDS = 1.0
POLL_SECONDS = 1.0


class ChangeFeed:
    def __init__(
        self,
        listeners: list[ChangeListener],
        *,
        channel: str,
        redis: Callable[[], Redis | None],
        subscriber_redis: Callable[[], Redis] | None = None,
    ) -> None:
        """`redis` gives the publishing client (None: no Redis); `subscriber_redis` makes the
        subscriber's own connection (None: no subscriber, as on the embedded profile)."""
        self.listeners = listeners
        self.channel = channel
        self._redis = redis
        self._subscriber_redis = subscriber_redis
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def announce(self, changes: frozenset[Change]) -> None:
        self._evict(changes)
        client = self._redis()
        if client is None:
            return
        try:
            for change in changes:
                client.publish(self.channel, change.encode())
        except Exception:
            log.exception(
                "could not announce %d change(s) to the other API processes; they may serve what "
                "changed (a revoked session, say) until their cache entries expire",
                len(changes),
            )

    def start(self) -> None:
        """Start the subscriber thread (once); without one the caches stay as they were built."""
        if self._subscriber_redis is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._listen, name="cache-change-feed", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _listen(self) -> None:
        assert self._subscriber_redis is not None
        while not self._stop.is_set():
            try:
                self._follow(self._subscriber_redis())
            except Exception as exc:
                log.warning("change feed lost (%s); reading the database until it is back", exc)
                self._stop.wait(RECONNECT_SECONDS)

    def _follow(self, client: Redis) -> None:
        pubsub = client.pubsub()  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(self.channel)
            while not self._stop.is_set():
                message = pubsub.get_message(timeout=POLL_SECONDS)
                if message is None:
                    continue
                if message["type"] == "subscribe":
                    self._trust(True)
                elif message["type"] == "message":
                    self._apply(message["data"])
        finally:
            self._trust(False)
            pubsub.close()
            client.close()

    def _apply(self, data: bytes | str) -> None:
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        try:
            change = Change.decode(text)
        except ValueError:
            log.warning("unreadable change %r on %s; clearing the caches", text[:80], self.channel)
            self._trust(True)  # clears them, and they stay trusted: the link itself is fine
            return
        self._evict(frozenset({change}))

    def _evict(self, changes: frozenset[Change]) -> None:
        for listener in self.listeners:
            for change in changes:
                listener.evict(change)

    def _trust(self, trusted: bool) -> None:
        for listener in self.listeners:
            listener.set_trusted(trusted)
