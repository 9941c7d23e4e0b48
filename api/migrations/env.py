"""Alembic environment: one history for PostgreSQL and SQLite (batch mode for SQLite ALTERs)."""

from alembic import context
from sqlalchemy import pool

from api.db import create_db_engine
from api.migrate import include_object
from api.models import metadata
from api.settings import load_settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or load_settings(serving=False).resolved_database_url


def run_migrations_offline() -> None:
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_db_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
