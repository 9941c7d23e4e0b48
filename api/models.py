"""Imports every feature's models so that `Base.metadata` knows all tables (Alembic, tests)."""

from api.auth import models as _auth  # noqa: F401
from api.db import Base
from api.users import models as _users  # noqa: F401

metadata = Base.metadata

__all__ = ["metadata"]
