"""`python -m api.knowledge [--check]`: validate the packaged files; without --check also load them
into the configured database (`WASTE_DATABASE_URL`), as deployments do after migrating.

Exit codes: 0 ok, 1 invalid data files or database error, 2 invalid settings.
"""

from __future__ import annotations

import sys

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from api.db import session_scope
from api.knowledge.loader import KnowledgeBaseError, load_bundle
from api.knowledge.seed import load_knowledge_base


def main(argv: list[str]) -> int:
    try:
        bundle = load_bundle()
    except KnowledgeBaseError as exc:
        sys.stderr.write(f"error: invalid knowledge base: {exc}\n")
        return 1
    sys.stdout.write(
        f"knowledge base valid: {len(bundle.categories)} categories, {len(bundle.items)} items\n"
    )
    if "--check" in argv:
        return 0
    from api.context import AppContext
    from api.settings import load_settings

    try:
        settings = load_settings(serving=False)
    except ValidationError as exc:
        sys.stderr.write(f"error: invalid settings: {exc}\n")
        return 2
    context = AppContext.from_settings(settings)
    try:
        with session_scope(context.session_factory) as session:
            result = load_knowledge_base(session, bundle=bundle)
    except SQLAlchemyError as exc:
        reason = str(exc).splitlines()[0]
        sys.stderr.write(f"error: cannot load into the database (migrated to 0004?): {reason}\n")
        return 1
    finally:
        context.close()
    sys.stdout.write(
        f"loaded: {result.total} rows ({result.inserted} inserted, {result.updated} updated, "
        f"{result.deleted} deleted)\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
