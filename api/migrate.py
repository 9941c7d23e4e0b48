"""Run Alembic migrations programmatically.

Used by `wastectl dev` and `wastectl data import-points` (migrate first), `python -m api.predeploy`
(the deploy hook) and the tests.
"""

from __future__ import annotations

import functools
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


@functools.cache
def _history() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """The history's heads, and each revision's ancestors (itself included); read once per process."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    ancestors = {
        rev.revision: frozenset(r.revision for r in script.iterate_revisions(rev.revision, "base"))
        for rev in script.walk_revisions()
    }
    return frozenset(script.get_heads()), ancestors


def missing_heads(connection: Connection) -> list[str]:
    """Heads of this code's migration history the database has not reached (empty: migrated).

    A database at a revision this code does not know (migrated by a newer release during a
    rollout or a rollback) counts as migrated: the newer history contains ours.
    """
    from alembic.migration import MigrationContext

    heads, ancestors = _history()
    current = MigrationContext.configure(connection).get_current_heads()
    if any(revision not in ancestors for revision in current):
        return []
    reached = frozenset().union(*(ancestors[revision] for revision in current))
    return sorted(heads - reached)
