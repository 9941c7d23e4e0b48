"""Server-side OAuth `state` (+ PKCE verifier) of pending web logins: single use, short-lived.

Redis when `WASTE_REDIS_URL` is set (GET+DEL in one MULTI, so a state can be consumed once even
under concurrency), the `oauth_states` table otherwise (DELETE whose rowcount decides who won).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete
from sqlalchemy.orm import Session

from api.auth.models import OAuthStateRow
from api.db import utcnow
from api.domain_errors import Unavailable

if TYPE_CHECKING:
    from redis import Redis

    from api.context import AppContext


@dataclass(frozen=True)
class PendingLogin:
    state: str
    provider: str
    redirect_uri: str
    code_verifier: str | None
    frontend_origin: str | None
    response_mode: str
    device_id: str | None
    # SHA-256 of the value that binds the login to its client (api.auth.binding); None in states
    # stored before bindings existed, which the callback then refuses.
    binding: str | None = None


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) per RFC 7636."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class StateStore(Protocol):
    def save(self, pending: PendingLogin, ttl_seconds: int) -> None: ...

    def consume(self, state: str) -> PendingLogin | None: ...


class RedisStateStore:
    def __init__(self, client: Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def _key(self, state: str) -> str:
        return f"{self.prefix}oauth:state:{state}"

    def save(self, pending: PendingLogin, ttl_seconds: int) -> None:
        from redis import RedisError

        try:
            self.client.set(self._key(pending.state), json.dumps(asdict(pending)), ex=ttl_seconds)
        except RedisError as exc:
            raise _store_down(exc) from None

    def consume(self, state: str) -> PendingLogin | None:
        from redis import RedisError

        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.get(self._key(state))
            pipe.delete(self._key(state))
            raw, _deleted = pipe.execute()
        except RedisError as exc:
            raise _store_down(exc) from None
        return PendingLogin(**json.loads(raw)) if raw else None


def _store_down(exc: Exception) -> Unavailable:
    return Unavailable(
        f"login state store (Redis) is unavailable: {type(exc).__name__}", code="state_store_down"
    )


class DatabaseStateStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def save(self, pending: PendingLogin, ttl_seconds: int) -> None:
        now = utcnow()
        self.session.execute(delete(OAuthStateRow).where(OAuthStateRow.expires_at <= now))
        self.session.add(
            OAuthStateRow(
                state=pending.state,
                provider=pending.provider,
                payload=json.dumps(asdict(pending)),
                expires_at=now + timedelta(seconds=ttl_seconds),
            )
        )
        self.session.commit()

    def consume(self, state: str) -> PendingLogin | None:
        row = self.session.get(OAuthStateRow, state)
        if row is None:
            return None
        payload, expires_at = row.payload, row.expires_at
        result = self.session.execute(delete(OAuthStateRow).where(OAuthStateRow.state == state))
        self.session.commit()
        if getattr(result, "rowcount", 0) != 1 or expires_at <= utcnow():
            return None
        return PendingLogin(**json.loads(payload))


def state_store(context: AppContext, session: Session) -> StateStore:
    redis = context.redis
    if redis is not None:
        return RedisStateStore(redis, context.settings.redis_prefix)
    return DatabaseStateStore(session)
