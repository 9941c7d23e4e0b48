"""Scans: uploads, scans, stage events, feedback and daily stats.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.db

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("user_id", api.db.GUID(), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", api.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_uploads_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_uploads")),
    )
    op.create_index("ix_uploads_confirmed_created", "uploads", ["confirmed_at", "created_at"])
    op.create_index(op.f("ix_uploads_user_id"), "uploads", ["user_id"])
    op.create_table(
        "scans",
        sa.Column("id", api.db.GUID(), nullable=False),
        sa.Column("user_id", api.db.GUID(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("upload_key", sa.String(length=300), nullable=True),
        sa.Column("image_key", sa.String(length=300), nullable=False),
        sa.Column("image_sha256", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("analysis", sa.JSON(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("failure_code", sa.String(length=50), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cached_from", api.db.GUID(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("finished_at", api.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_scans_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scans")),
        sa.UniqueConstraint("user_id", "idempotency_key", name=op.f("uq_scans_user_id_idempotency_key")),
    )
    op.create_index("ix_scans_user_created", "scans", ["user_id", "created_at"])
    op.create_index("ix_scans_status_updated", "scans", ["status", "updated_at"])
    op.create_index("ix_scans_image_sha256", "scans", ["image_sha256"])
    op.create_table(
        "scan_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scan_id", api.db.GUID(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_scan_events_scan_id_scans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_events")),
        sa.UniqueConstraint("scan_id", "stage", name=op.f("uq_scan_events_scan_id_stage")),
    )
    op.create_index(op.f("ix_scan_events_scan_id"), "scan_events", ["scan_id"])
    op.create_table(
        "scan_feedback",
        sa.Column("id", api.db.GUID(), nullable=False),
        sa.Column("scan_id", api.db.GUID(), nullable=False),
        sa.Column("user_id", api.db.GUID(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("expected_category_id", sa.String(length=50), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_scan_feedback_scan_id_scans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_scan_feedback_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_feedback")),
    )
    op.create_index(op.f("ix_scan_feedback_scan_id"), "scan_feedback", ["scan_id"])
    op.create_table(
        "scan_daily_stats",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("cached", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("updated_at", api.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_scan_daily_stats")),
    )


def downgrade() -> None:
    op.drop_table("scan_daily_stats")
    op.drop_table("scan_feedback")
    op.drop_table("scan_events")
    op.drop_table("scans")
    op.drop_table("uploads")
