"""Long-lived collaborators built once per process from the settings.

The API keeps one on `app.state.context`; a Celery worker builds its own at start-up.
Clients for optional services (Redis, Celery) are created on first use so that the
embedded profile never touches them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.db import create_db_engine, make_session_factory
from api.settings import Settings

if TYPE_CHECKING:
    from redis import Redis

    from api.ratelimit import RateLimits
    from api.scans.runtime import ScanRuntime
    from api.telemetry import Telemetry


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    _closers: list[Any] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Settings) -> AppContext:
        if settings.database_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_db_engine(
            settings.resolved_database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
        )
        return cls(settings=settings, engine=engine, session_factory=make_session_factory(engine))

    @cached_property
    def redis(self) -> Redis | None:
        """A Redis client when `WASTE_REDIS_URL` is set, else None (embedded profile)."""
        if self.settings.redis_url is None:
            return None
        from redis import Redis

        client = Redis.from_url(self.settings.redis_url, socket_timeout=5, socket_connect_timeout=3)
        self._closers.append(client.close)
        return client

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
    def scans(self) -> ScanRuntime:
        """Storage, knowledge base, analyser and task dispatcher of the scan feature (lazy)."""
        from api.scans.runtime import ScanRuntime

        runtime = ScanRuntime(self)
        self._closers.append(runtime.close)
        return runtime

    def close(self) -> None:
        for close in reversed(self._closers):
            close()
        self._closers.clear()
        self.engine.dispose()
