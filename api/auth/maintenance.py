"""Housekeeping for auth data, run hourly by beat: expired sessions and stale OAuth states."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from api.auth.models import AuthSession, OAuthStateRow
from api.db import utcnow

#: Ended sessions are kept this long so that a replayed old refresh token is still recognised as
#: theft (and its family revoked) instead of looking merely unknown.
ENDED_SESSION_RETENTION = timedelta(days=7)


def purge_expired_auth(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Delete sessions that expired or were revoked over a week ago, and OAuth states past expiry."""
    now = now or utcnow()
    cutoff = now - ENDED_SESSION_RETENTION
    sessions = session.execute(
        delete(AuthSession).where(or_(AuthSession.expires_at < cutoff, AuthSession.revoked_at < cutoff))
    )
    states = session.execute(delete(OAuthStateRow).where(OAuthStateRow.expires_at < now))
    return {"sessions": int(sessions.rowcount or 0), "oauth_states": int(states.rowcount or 0)}  # type: ignore[attr-defined]
