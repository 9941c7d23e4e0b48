"""Knowledge base: separation-rule categories and items (reference data).

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-30

Creates the tables only. The rows are loaded by `api.knowledge.seed.load_knowledge_base` (an
idempotent upsert from the packaged YAML) through `api.seed` — not here, so that editing the data
never needs a new revision and this file never depends on today's ORM models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _guidance_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("name_ko", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("bin", sa.Text(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("mistakes", sa.JSON(), nullable=False),
        sa.Column("region_dependent", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "kb_categories",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("major_class", sa.String(length=20), nullable=False),
        *_guidance_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_categories")),
    )
    op.create_table(
        "kb_items",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.String(length=60), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        *_guidance_columns(),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["kb_categories.id"], name=op.f("fk_kb_items_category_id_kb_categories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_items")),
    )
    op.create_index(op.f("ix_kb_items_category_id"), "kb_items", ["category_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_kb_items_category_id"), table_name="kb_items")
    op.drop_table("kb_items")
    op.drop_table("kb_categories")
