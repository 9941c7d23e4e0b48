"""Hourly auth housekeeping on the real PostgreSQL: what is purged and what is kept."""

from __future__ import annotations

import uuid
from datetime import timedelta

from api.auth.maintenance import ENDED_SESSION_RETENTION, purge_expired_auth
from api.auth.models import AuthSession, OAuthStateRow
from api.context import AppContext
from api.db import session_scope, utcnow
from api.users.models import User


def test_purges_long_ended_sessions_and_expired_states_only(context: AppContext) -> None:
    now = utcnow()
    old = now - ENDED_SESSION_RETENTION - timedelta(hours=1)
    recent = now - timedelta(days=1)
    with session_scope(context.session_factory) as session:
        user = User(id=uuid.uuid4(), nickname="purge", created_at=now)
        session.add(user)
        session.flush()
        for key, expires, revoked in [
            ("active", now + timedelta(days=20), None),
            ("expired-long-ago", old, None),
            ("expired-recently", recent, None),  # kept: re-use must still look like theft
            ("revoked-long-ago", now + timedelta(days=5), old),
            ("revoked-recently", now + timedelta(days=5), recent),
        ]:
            session.add(
                AuthSession(
                    user_id=user.id, provider="dev", refresh_jti=key, expires_at=expires, revoked_at=revoked
                )
            )
        session.add(
            OAuthStateRow(
                state="stale", provider="kakao", payload="{}", expires_at=now - timedelta(seconds=1)
            )
        )
        session.add(
            OAuthStateRow(
                state="pending", provider="kakao", payload="{}", expires_at=now + timedelta(minutes=9)
            )
        )

    with session_scope(context.session_factory) as session:
        assert purge_expired_auth(session, now=now) == {"sessions": 2, "oauth_states": 1}
    with session_scope(context.session_factory) as session:
        left = sorted(s.refresh_jti for s in session.query(AuthSession))
        states = [s.state for s in session.query(OAuthStateRow)]
    assert left == ["active", "expired-recently", "revoked-recently"]
    assert states == ["pending"]

    with session_scope(context.session_factory) as session:  # idempotent
        assert purge_expired_auth(session, now=now) == {"sessions": 0, "oauth_states": 0}
