"""Long-lived collaborators built once per process from the settings.

The API keeps one on `app.state.context`; a Celery worker builds its own at start-up.
Clients for optional services (Redis, Celery) are created on first use so that the
embedded profile never touches them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.db import create_db_engine, make_session_factory
from api.settings import Settings

if TYPE_CHECKING:
    from redis import Redis

    from api.analyser.base import Analyser
    from api.auth.cache import SignedInUsers, VerifiedTokens
    from api.cache.changes import Change
    from api.cache.feed import ChangeFeed
    from api.dispatcher import Dispatcher, DispatcherFactory
    from api.kakao import KakaoLocalClient
    from api.knowledge import KnowledgeBundle
    from api.ratelimit import RateLimits
    from api.scans.result_cache import RenderedScans
    from api.storage import Storage
    from api.telemetry import Telemetry


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    #: Builds the dispatcher when a broker is configured (`workers.dispatch.CeleryDispatcher`), given
    #: by the entry point: `api` itself never imports the workers.
    dispatcher_factory: DispatcherFactory | None = None
    _closers: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        from api.cache.changes import install_change_hooks
        from api.scans.changes import install_scan_change_tracking

        # Every session this context makes announces its changes (api/cache/changes.py): the caches
        # of `signed_in_users` and `rendered_scans`, here and in the other processes, depend on it.
        install_scan_change_tracking(self.session_factory)
        install_change_hooks(self.session_factory, self._announce_changes)

    def _announce_changes(self, changes: frozenset[Change]) -> None:
        self.change_feed.announce(changes)  # built on the first change, not with every context

    @classmethod
    def from_settings(
        cls, settings: Settings, *, dispatcher_factory: DispatcherFactory | None = None
    ) -> AppContext:
        if settings.database_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_db_engine(
            settings.resolved_database_url,
            pool_size=settings.db_pool_kept,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
        )
        return cls(
            settings=settings,
            engine=engine,
            session_factory=make_session_factory(engine),
            dispatcher_factory=dispatcher_factory,
        )

    @cached_property
    def redis(self) -> Redis | None:
        """A Redis client when `WASTE_REDIS_URL` is set, else None (embedded profile)."""
        if self.settings.redis_url is None:
            return None
        from redis import Redis

        client = Redis.from_url(self.settings.redis_url, socket_timeout=5, socket_connect_timeout=3)
        self._closers.append(client.close)
        return client

    @property
    def makes_every_change(self) -> bool:
        """True when this process is the only one changing sessions, users and scans: no broker
        (scans run here) and no Redis (so no other API process it could tell). Its caches are then
        trusted from the start; otherwise only while the change feed is subscribed, which needs
        Redis: with a broker and no Redis the caches are never used."""
        return self.settings.broker_url is None and self.settings.redis_url is None

    @cached_property
    def signed_in_users(self) -> SignedInUsers:
        """Checked sessions of this process (api/auth/cache.py)."""
        from api.auth.cache import SignedInUsers

        return SignedInUsers(
            ttl_seconds=self.settings.auth_cache_seconds,
            max_entries=self.settings.auth_cache_entries,
            trusted=self.makes_every_change,
        )

    @cached_property
    def verified_tokens(self) -> VerifiedTokens:
        from api.auth.cache import VerifiedTokens

        return VerifiedTokens(max_entries=self.settings.auth_cache_entries)

    @cached_property
    def rendered_scans(self) -> RenderedScans:
        """Scans' JSON of this process (api/scans/result_cache.py)."""
        from api.scans.result_cache import RenderedScans

        return RenderedScans(
            ttl_seconds=self.settings.scan_result_cache_seconds,
            pending_ttl_seconds=self.settings.scan_pending_cache_seconds,
            max_entries=self.settings.scan_result_cache_entries,
            trusted=self.makes_every_change,
        )

    @cached_property
    def change_feed(self) -> ChangeFeed:
        """Announces this process's changes to its caches and the other processes'; `start()` (the
        API's lifespan) follows theirs. Trusted at once without Redis (one process makes every
        change), else while the subscription is live (api/cache/feed.py)."""
        from api.cache.feed import ChangeFeed

        url = self.settings.redis_url
        subscriber: Callable[[], Redis] | None = None
        if url is not None:
            # Imported here, not in the subscriber thread: a module half-imported by that thread is
            # what another thread's first `limits` import would find (it reads `redis.__version__`).
            from redis import Redis

            def subscriber() -> Redis:
                return Redis.from_url(url, socket_connect_timeout=3, health_check_interval=10)

        feed = ChangeFeed(
            [self.signed_in_users, self.rendered_scans],
            channel=f"{self.settings.redis_prefix}cache-changes",
            redis=lambda: self.redis,
            subscriber_redis=subscriber,
        )
        self._closers.append(feed.close)
        return feed

    @cached_property
    def rate_limits(self) -> RateLimits:
        """Per-IP and per-user request limits: Redis-backed with WASTE_REDIS_URL, in memory without."""
        from api.ratelimit import RateLimits

        limits = RateLimits(self.settings)
        self._closers.append(limits.close)
        return limits

    @cached_property
    def telemetry(self) -> Telemetry:
        """Scan, LLM and task metrics of this process (served by the API's /metrics or a worker's port)."""
        from api.telemetry import Telemetry

        return Telemetry()

    @cached_property
    def storage(self) -> Storage:
        """Uploads and scan images: S3 with `WASTE_S3_BUCKET`, else files under the data directory."""
        from api.storage import make_storage

        return make_storage(self.settings)

    @cached_property
    def bundle(self) -> KnowledgeBundle:
        """The knowledge base (validated once per process)."""
        from api.knowledge import load_bundle

        return load_bundle()

    @cached_property
    def analyser(self) -> Analyser:
        """The configured analyser (offline, OpenAI or OpenAI-compatible)."""
        from api.analyser.factory import make_analyser

        return make_analyser(self.settings, self.bundle)

    def kakao(self) -> KakaoLocalClient | None:
        """A new Kakao Local client (the caller closes it), or None without `WASTE_KAKAO_REST_API_KEY`."""
        from api.kakao import kakao_client

        return kakao_client(self.settings, self.redis)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        """Runs or publishes scans: in process without a broker, else `dispatcher_factory`'s."""
        from api.tasks.dispatch import make_dispatcher

        return make_dispatcher(self)

    def close_dispatcher(self) -> None:
        """Stop the dispatcher if one was built (its pool threads, its broker connection), before the
        database goes: no scan thread is left writing."""
        dispatcher = self.__dict__.pop("dispatcher", None)
        if dispatcher is not None:
            dispatcher.close()

    def close(self) -> None:
        self.close_dispatcher()
        for close in reversed(self._closers):
            close()
        self._closers.clear()
        self.engine.dispose()
