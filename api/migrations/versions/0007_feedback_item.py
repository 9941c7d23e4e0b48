"""Scan feedback: the knowledge-base item the user said it is (labelled data for evaluation).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scan_feedback") as batch:
        batch.add_column(sa.Column("expected_item_id", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("predicted_item_id", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("item_index", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("scan_feedback") as batch:
        batch.drop_column("item_index")
        batch.drop_column("predicted_item_id")
        batch.drop_column("expected_item_id")
