"""Refresh-token sessions: issue a token pair, rotate it, detect re-use, revoke.

Each session is one refresh-token family. Only the refresh token whose jti equals the session's
`refresh_jti` may be exchanged; rotation is a compare-and-set UPDATE so two concurrent refreshes
with the same token cannot both win. Presenting an older (already rotated) refresh token means it
was copied: the whole session is revoked, which also kills its access tokens (they carry `sid`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.auth.models import AuthSession
from api.auth.tokens import InvalidToken, decode_token, issue_token
from api.cache.changes import note_session_ended
from api.db import utcnow
from api.settings import Settings

REUSE_REASON = "refresh_token_reuse"


@dataclass(frozen=True)
class ClientInfo:
    """Who is logging in from where; stored on the session and in the login audit."""

    device_id: str | None = None
    user_agent: str | None = None
    ip_address: str | None = None


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    session_id: uuid.UUID


def _pair(settings: Settings, auth_session: AuthSession, *, refresh_jti: str, now: datetime) -> IssuedTokens:
    user_id, provider, sid = auth_session.user_id, auth_session.provider, auth_session.id
    access, _ = issue_token(
        settings, user_id=user_id, token_type="access", provider=provider, now=now, session_id=sid
    )
    refresh, _ = issue_token(
        settings,
        user_id=user_id,
        token_type="refresh",
        provider=provider,
        now=now,
        session_id=sid,
        jti=refresh_jti,
    )
    return IssuedTokens(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.access_token_ttl_seconds,
        refresh_expires_in=settings.refresh_token_ttl_seconds,
        session_id=auth_session.id,
    )


def start_session(
    session: Session, *, settings: Settings, user_id: uuid.UUID, provider: str, client: ClientInfo
) -> IssuedTokens:
    """Add a new session for the user (the caller commits) and return its first token pair."""
    now = utcnow()
    jti = uuid.uuid4().hex
    auth_session = AuthSession(
        id=uuid.uuid4(),
        user_id=user_id,
        provider=provider,
        refresh_jti=jti,
        device_id=client.device_id,
        user_agent=(client.user_agent or "")[:500] or None,
        ip_address=client.ip_address,
        rotation_count=0,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
    )
    session.add(auth_session)
    return _pair(settings, auth_session, refresh_jti=jti, now=now)


def revoke_session(session: Session, *, session_id: uuid.UUID, reason: str) -> bool:
    """Revoke one session; False when it was already revoked or does not exist. Commits."""
    result = session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    note_session_ended(session, session_id)
    session.commit()
    return bool(getattr(result, "rowcount", 0))


def rotate(session: Session, *, settings: Settings, refresh_token: str) -> tuple[IssuedTokens, uuid.UUID]:
    """Exchange a refresh token for a new pair; raises `InvalidToken` (and revokes on re-use)."""
    claims = decode_token(settings, refresh_token, expected_type="refresh")
    auth_session = session.get(AuthSession, claims.sid)
    if auth_session is None or auth_session.user_id != claims.sub:
        raise InvalidToken("session not found")
    if auth_session.revoked_at is not None:
        raise InvalidToken("session has been revoked")
    now = utcnow()
    new_jti = uuid.uuid4().hex
    result = session.execute(
        update(AuthSession)
        .where(
            AuthSession.id == claims.sid,
            AuthSession.refresh_jti == claims.jti,
            AuthSession.revoked_at.is_(None),
        )
        .values(
            refresh_jti=new_jti,
            last_used_at=now,
            expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
            rotation_count=AuthSession.rotation_count + 1,
        )
    )
    if getattr(result, "rowcount", 0) != 1:
        session.rollback()
        revoke_session(session, session_id=claims.sid, reason=REUSE_REASON)
        raise InvalidToken("refresh token was already used; the session has been revoked")
    session.commit()
    session.refresh(auth_session)
    return _pair(settings, auth_session, refresh_jti=new_jti, now=now), auth_session.user_id


def active_sessions(session: Session, *, user_id: uuid.UUID) -> list[AuthSession]:
    now = utcnow()
    rows = session.scalars(
        select(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
        )
        .order_by(AuthSession.last_used_at.desc())
    )
    return list(rows)


def is_session_active(session: Session, *, session_id: uuid.UUID) -> bool:
    auth_session = session.get(AuthSession, session_id)
    return auth_session is not None and auth_session.revoked_at is None and auth_session.expires_at > utcnow()
