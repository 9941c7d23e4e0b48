"""Auth: social accounts, refresh-token sessions, login audit, OAuth state (embedded profile).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.db

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "social_accounts",
        sa.Column("id", api.db.GUID(), nullable=False),
        sa.Column("user_id", api.db.GUID(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_user_id", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", api.db.UTCDateTime(), nullable=True),
        _user_fk("social_accounts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_accounts")),
        sa.UniqueConstraint(
            "provider", "provider_user_id", name=op.f("uq_social_accounts_provider_provider_user_id")
        ),
    )
    op.create_index(op.f("ix_social_accounts_user_id"), "social_accounts", ["user_id"])
    op.create_table(
        "auth_sessions",
        sa.Column("id", api.db.GUID(), nullable=False),
        sa.Column("user_id", api.db.GUID(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("refresh_jti", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=200), nullable=True),
        sa.Column("user_agent", sa.String(length=500), nullable=True),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column("rotation_count", sa.Integer(), nullable=False),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", api.db.UTCDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        _user_fk("auth_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
    )
    op.create_index(op.f("ix_auth_sessions_user_id"), "auth_sessions", ["user_id"])
    op.create_table(
        "login_audits",
        sa.Column("id", api.db.GUID(), nullable=False),
        sa.Column("user_id", api.db.GUID(), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("failure_code", sa.String(length=40), nullable=True),
        sa.Column("session_id", api.db.GUID(), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("flow", sa.String(length=20), nullable=False),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=500), nullable=True),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        _user_fk("login_audits"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_audits")),
    )
    op.create_index(op.f("ix_login_audits_user_id"), "login_audits", ["user_id"])
    op.create_table(
        "oauth_states",
        sa.Column("state", sa.String(length=128), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("expires_at", api.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_oauth_states")),
    )
    op.create_index(op.f("ix_oauth_states_expires_at"), "oauth_states", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_oauth_states_expires_at"), table_name="oauth_states")
    op.drop_table("oauth_states")
    op.drop_index(op.f("ix_login_audits_user_id"), table_name="login_audits")
    op.drop_table("login_audits")
    op.drop_index(op.f("ix_auth_sessions_user_id"), table_name="auth_sessions")
    op.drop_table("auth_sessions")
    op.drop_index(op.f("ix_social_accounts_user_id"), table_name="social_accounts")
    op.drop_table("social_accounts")
