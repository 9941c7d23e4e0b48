"""Scans: dead-letter replay re-opens a failed scan (replay id, replay count, event rounds).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("replays", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("replay_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("scan_events") as batch:
        batch.add_column(sa.Column("round", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_constraint("uq_scan_events_scan_id_stage", type_="unique")
        batch.create_unique_constraint("uq_scan_events_scan_id_round_stage", ["scan_id", "round", "stage"])


def downgrade() -> None:
    op.execute("DELETE FROM scan_events WHERE round > 0")
    with op.batch_alter_table("scan_events") as batch:
        batch.drop_constraint("uq_scan_events_scan_id_round_stage", type_="unique")
        batch.create_unique_constraint("uq_scan_events_scan_id_stage", ["scan_id", "stage"])
        batch.drop_column("round")
    with op.batch_alter_table("scans") as batch:
        batch.drop_column("replay_id")
        batch.drop_column("replays")
