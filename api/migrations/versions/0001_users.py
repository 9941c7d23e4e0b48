"""Users: the account every feature hangs off.

Revision ID: 0001
Revises:
Create Date: 2026-11-30

Feature migrations (auth, scans, locations, ...) each start a branch from this revision, so
they can land in any order; `alembic upgrade heads` applies them all.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.db

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", api.db.GUID(), nullable=False),
        sa.Column("nickname", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("profile_image_url", sa.String(length=1000), nullable=True),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", api.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )


def downgrade() -> None:
    op.drop_table("users")
