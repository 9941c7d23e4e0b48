"""Rate limits per client IP and per user (issue 15, row 13), through the `limits` library.

Counters are moving windows ("no more than N in any window"): in Redis when `WASTE_REDIS_URL` is
set, shared by every API process (keys `<WASTE_REDIS_PREFIX>ratelimit:...`), in process memory
otherwise (the embedded profile has one process). A request over a limit is answered `429` with
`Retry-After` (seconds until the window lets one more through) and the usual `{detail, code}`.

IPv6 clients are counted per /64: one host usually holds a whole /64. Routes that know their user
also count per user (the verified `sub` of the access token), so one account cannot spread a
flood over many addresses, nor one address's users starve each other past their own share.

Redis trouble does not take logins and scans down with it: the limiter then lets requests
through (logged), and stops asking Redis for a few seconds so a dead Redis costs no timeouts.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from typing import TYPE_CHECKING, Literal

from fastapi import Depends, Request

from api.deps import ContextDep
from api.errors import ApiError

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.strategies import MovingWindowRateLimiter

    from api.settings import Settings

log = logging.getLogger(__name__)

Scope = Literal["login", "token", "refresh", "upload", "scan"]
_WHAT = {
    "login": "login attempts",
    "token": "token exchanges",
    "refresh": "token refreshes",
    "upload": "uploads",
    "scan": "scans",
}
_PAUSE_SECONDS = 5.0


class RateLimits:
    """The limiter of one process; built lazily by `AppContext.rate_limits`."""

    def __init__(self, settings: Settings) -> None:
        from limits import parse_many
        from limits.storage import MemoryStorage, RedisStorage
        from limits.strategies import MovingWindowRateLimiter

        self.enabled = settings.rate_limits_enabled
        # "scan_per_user" -> the parsed WASTE_RATE_LIMIT_SCAN_PER_USER, for every such setting.
        self._items: dict[str, list[RateLimitItem]] = {
            field.removeprefix("rate_limit_"): parse_many(getattr(settings, field))
            for field in type(settings).model_fields
            if field.startswith("rate_limit_") and field.endswith(("_per_ip", "_per_user"))
        }
        self._redis: RedisStorage | None = None
        self._storage: MemoryStorage | RedisStorage
        if settings.redis_url:
            url = settings.redis_url
            url = "redis+unix://" + url.removeprefix("unix://") if url.startswith("unix://") else url
            self._storage = self._redis = RedisStorage(
                url,
                key_prefix=f"{settings.redis_prefix}ratelimit",
                wrap_exceptions=True,
                socket_timeout=1.0,
                socket_connect_timeout=1.0,
            )
        else:
            self._storage = MemoryStorage()
        self._limiter: MovingWindowRateLimiter = MovingWindowRateLimiter(self._storage)
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def hit(self, scope: Scope, kind: Literal["ip", "user"], identity: str) -> None:
        """Count one request of `identity`; raise 429 when a limit of `scope` is exhausted."""
        from limits.errors import StorageError

        if not self.enabled or time.monotonic() < self._paused_until:
            return
        for item in self._items[f"{scope}_per_{kind}"]:
            try:
                if self._limiter.hit(item, scope, kind, identity):
                    continue
                reset_at = self._limiter.get_window_stats(item, scope, kind, identity).reset_time
            except StorageError as exc:
                with self._lock:
                    self._paused_until = time.monotonic() + _PAUSE_SECONDS
                log.warning("rate limits paused for %.0f s: storage failed: %s", _PAUSE_SECONDS, exc)
                return
            retry = max(1, math.ceil(reset_at - time.time()))
            per = "this address" if kind == "ip" else "this account"
            raise ApiError(
                429,
                f"too many {_WHAT[scope]} from {per} (limit {item}); retry in {retry} s",
                code="rate_limited",
                headers={"Retry-After": str(retry)},
            )

    def close(self) -> None:
        if self._redis is not None:  # its own client and connection pool
            self._redis.storage.close()


def client_address(request: Request) -> str:
    """The client's IP (uvicorn's --proxy-headers has applied X-Forwarded-For), IPv6 cut to its /64."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class PerIp:
    """Dependency: count the request against the client address's limits of `scope`."""

    def __init__(self, scope: Scope) -> None:
        self.scope: Scope = scope

    def __call__(self, request: Request, context: ContextDep) -> None:
        context.rate_limits.hit(self.scope, "ip", client_address(request))


# `dependencies=` of the routes limited per address only; the signed-in routes (uploads, scans) also
# count per user: api.auth.limits, which reads the access token.
login_rate_limit = [Depends(PerIp("login"))]
token_rate_limit = [Depends(PerIp("token"))]
refresh_rate_limit = [Depends(PerIp("refresh"))]
local_upload_rate_limit = [Depends(PerIp("upload"))]
