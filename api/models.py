"""Imports every feature's models so that `Base.metadata` knows all tables (Alembic, tests)."""

from api.db import Base
from api.locations import models as _locations  # noqa: F401
from api.users import models as _users  # noqa: F401

metadata = Base.metadata

__all__ = ["metadata"]
