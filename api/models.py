"""Imports every feature's models so that `Base.metadata` knows all tables (Alembic, tests)."""

from api.auth import models as _auth  # noqa: F401
from api.db import Base
from api.knowledge import models as _knowledge  # noqa: F401
from api.locations import models as _locations  # noqa: F401
from api.scans import models as _scans  # noqa: F401
from api.uploads import models as _uploads  # noqa: F401
from api.users import models as _users  # noqa: F401

metadata = Base.metadata

__all__ = ["metadata"]
