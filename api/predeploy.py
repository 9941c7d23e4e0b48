"""`python -m api.predeploy`: what every deploy runs before new pods start (the chart's hook Job).

Applies every Alembic migration (all heads), then loads the packaged knowledge base into the
database (idempotent upserts), so a release can no longer ship code ahead of its schema or data.

Exit codes: 0 done; 1 the database refused (unreachable, migration error) or invalid data files;
2 invalid settings.
"""

from __future__ import annotations

import sys

from pydantic import ValidationError


def main(argv: list[str]) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from api import migrate
    from api.knowledge.__main__ import main as load_knowledge
    from api.settings import load_settings

    try:
        settings = load_settings(serving=False)
    except ValidationError as exc:
        sys.stderr.write(f"error: invalid settings: {exc}\n")
        return 2
    if settings.database_url is None:
        sys.stderr.write("error: WASTE_DATABASE_URL is not set (no embedded SQLite in a deploy)\n")
        return 2
    try:
        migrate.upgrade(settings.resolved_database_url)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        sys.stderr.write(f"error: migration failed: {reason}\n")
        return 1
    sys.stdout.write("migrations applied (all heads)\n")
    return load_knowledge(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
