"""Social accounts, refresh-token sessions, login audit and (embedded profile) OAuth state.

A *session* is one refresh-token family: every rotation replaces `refresh_jti`, so a refresh
token whose jti is no longer the current one has been used before (theft detection revokes
the whole session). Access tokens carry the session id (`sid`) and die with the session.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import GUID, Base, UTCDateTime, utcnow


def _user_fk() -> ForeignKey:
    return ForeignKey("users.id", ondelete="CASCADE")


class SocialAccount(Base):
    __tablename__ = "social_accounts"
    __table_args__ = (UniqueConstraint("provider", "provider_user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(GUID(), _user_fk(), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_user_id: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class AuthSession(Base):
    __tablename__ = "auth_sessions"

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(GUID(), _user_fk(), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    refresh_jti: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str | None] = mapped_column(String(200), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(500), default=None)
    ip_address: Mapped[str | None] = mapped_column(String(64), default=None)
    rotation_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(40), default=None)


class LoginAudit(Base):
    """One row per login attempt through a provider or dev login; failures have no user."""

    __tablename__ = "login_audits"

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID | None] = mapped_column(GUID(), _user_fk(), index=True, default=None)
    success: Mapped[bool] = mapped_column(Boolean, default=True)
    failure_code: Mapped[str | None] = mapped_column(String(40), default=None)
    session_id: Mapped[uuid.UUID | None] = mapped_column(GUID(), default=None)
    provider: Mapped[str] = mapped_column(String(20))
    flow: Mapped[str] = mapped_column(String(20))
    ip_address: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OAuthStateRow(Base):
    """Pending web logins when Redis is not configured (embedded profile); single use."""

    __tablename__ = "oauth_states"

    state: Mapped[str] = mapped_column(String(128), primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    payload: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
