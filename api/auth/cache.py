"""Per-process caches that let an authenticated request cost no query and no signature check.

`SignedInUsers` keeps, per auth session, what the last database check found: the user's public
profile and when the session expires (`api.cache.store` says when a hit is trusted).
`VerifiedTokens` remembers the claims of access tokens whose signature was checked; expiry is
still checked on every use.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from api.auth.tokens import TokenClaims
from api.cache.changes import Change, ChangeKind
from api.cache.store import FeedCache
from api.db import utcnow
from api.users.schemas import UserPublic


@dataclass(frozen=True)
class SignedInUser:
    """The caller, as the session check found it: enough for routes that need the user's id or profile.

    Routes that change the user's row take `CurrentUserRow` (the ORM object in the request's session).
    """

    id: uuid.UUID
    session_id: uuid.UUID
    session_expires_at: datetime
    profile: UserPublic


class SignedInUsers(FeedCache[uuid.UUID, SignedInUser]):
    """Session id -> `SignedInUser`."""

    def get(self, session_id: uuid.UUID) -> SignedInUser | None:
        return self.lookup(session_id)

    def still_valid(self, value: SignedInUser) -> bool:
        return value.session_expires_at > utcnow()

    def evict(self, change: Change) -> None:
        if change.kind is ChangeKind.session and change.id is not None:
            self.drop(change.id)
        elif change.kind is ChangeKind.user:
            self.drop_where(lambda user: user.id == change.id)


class VerifiedTokens:
    """Access token -> its claims, once the signature, issuer, audience and type were checked."""

    def __init__(self, *, max_entries: int) -> None:
        self.max_entries = max_entries
        self._claims: dict[str, TokenClaims] = {}

    def get(self, token: str) -> TokenClaims | None:
        """The claims of a token seen before, or None (also once it has expired: the caller then
        decodes it again and gets the precise error)."""
        claims = self._claims.get(token)
        if claims is None:
            return None
        if claims.expires_at <= utcnow():
            self._claims.pop(token, None)
            return None
        return claims

    def put(self, token: str, claims: TokenClaims) -> None:
        if self.max_entries <= 0:
            return
        if len(self._claims) >= self.max_entries:
            self._claims.pop(next(iter(self._claims)), None)
        self._claims[token] = claims
