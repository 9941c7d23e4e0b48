"""Run Alembic migrations programmatically (used by `wastectl dev`, `wastectl db`, tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Apply every migration; feature branches of the history all hang off the base, hence `heads`."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


#: Indexes that migrations create with raw SQL on one backend only (the earthdistance GiST index
#: on PostgreSQL); they have no model counterpart, so autogenerate must not propose dropping them.
UNMODELLED_INDEXES = frozenset({"ix_collection_points_earth"})


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (type_ == "index" and name in UNMODELLED_INDEXES)


def compare_with_models(connection: Connection) -> list[Any]:
    """Differences between the migrated schema behind `connection` and the models (empty = in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from api.models import metadata

    context = MigrationContext.configure(connection, opts={"include_object": include_object})
    return list(compare_metadata(context, metadata))
