"""Locations: collection points with a spatial index.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-30

PostgreSQL: the `cube` and `earthdistance` extensions (created here if missing; needs a role that
may create extensions) and a GiST index on `ll_to_earth(lat, lng)` for `earth_box` prefilters.
SQLite: a composite (lat, lng) B-tree index for bounding-box prefilters. Distances are exact
haversine after the prefilter on both (api/locations/repository.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.db

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    is_postgres = op.get_bind().dialect.name == "postgresql"
    if is_postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS cube")
        op.execute("CREATE EXTENSION IF NOT EXISTS earthdistance")
    op.create_table(
        "collection_points",
        sa.Column("id", api.db.GUID(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("accepted_categories", sa.String(length=400), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("road_address", sa.String(length=300), nullable=True),
        sa.Column("lot_address", sa.String(length=300), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=True),
        sa.Column("phone", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", api.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_points")),
        sa.UniqueConstraint("source", "source_key", name=op.f("uq_collection_points_source_source_key")),
    )
    op.create_index("ix_collection_points_lat_lng", "collection_points", ["lat", "lng"])
    if is_postgres:
        op.execute(
            "CREATE INDEX ix_collection_points_earth ON collection_points USING gist (ll_to_earth(lat, lng))"
        )


def downgrade() -> None:
    op.drop_table("collection_points")
