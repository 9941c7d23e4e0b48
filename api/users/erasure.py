"""What deleting an account erases, feature by feature.

Each feature that stores data about a user registers an eraser here (like `api.seed`'s
registry). Erasers run inside the deletion transaction, before the user row is deleted, so a
failing eraser deletes nothing. Social accounts, sessions and login audits need no eraser:
their foreign keys are `ON DELETE CASCADE` and `delete_account` removes them explicitly too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

Eraser = Callable[[Session, uuid.UUID], None]


def user_data_erasers() -> dict[str, Eraser]:
    """Erasers in run order. The scans feature registers its eraser here (see docs/auth.md)."""
    return {}
