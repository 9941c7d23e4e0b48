"""What deleting an account erases, feature by feature.

Each feature that stores data about a user registers an eraser here (like `api.seed`'s
registry). Erasers run inside the deletion transaction, before the user row is deleted, so a
failing eraser deletes nothing. Social accounts, sessions and login audits need no eraser:
their foreign keys are `ON DELETE CASCADE` and `delete_account` removes them explicitly too.

An eraser only gets the session and the user id; what else it needs (the scans eraser needs
the image storage) it takes from the `AppContext` the registry is built with.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from api.context import AppContext

Eraser = Callable[[Session, uuid.UUID], None]


def _scans_eraser(context: AppContext) -> Eraser:
    def erase(session: Session, user_id: uuid.UUID) -> None:
        from api.scans.erasure import erase_user_scans

        erase_user_scans(session, user_id=user_id, storage=context.scans.storage)

    return erase


def user_data_erasers(context: AppContext) -> dict[str, Eraser]:
    """Erasers in run order, bound to this process's collaborators (see docs/auth.md)."""
    return {"scans": _scans_eraser(context)}
