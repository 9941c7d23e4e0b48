"""What deleting an account erases, feature by feature.

Each feature that stores data about a user registers an eraser here (like `api.seed`'s
registry). Erasers run inside the deletion transaction, before the user row is deleted, so a
failing eraser deletes nothing. Social accounts, sessions and login audits need no eraser:
their foreign keys are `ON DELETE CASCADE` and `delete_account` removes them explicitly too.

An eraser only gets the session and the user id; what else it needs (the scans eraser needs
the image storage) is bound when the registry is built (`user_data_erasers(storage=...)`).

The scans eraser deletes the objects the user's rows point to; the storage eraser then deletes
everything under the user's folders (`USER_PREFIXES`), so an object no row points to (a photo
stored by a scan whose insert then failed, a process killed between the PUT and the commit, an
upload that landed after its row was purged) goes too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

from api.scans.erasure import erase_user_scans
from api.storage import Storage
from api.uploads.erasure import erase_user_objects

Eraser = Callable[[Session, uuid.UUID], None]

#: Every storage key of a user starts with one of these (`api.uploads.router`, `api.scans.service`).
USER_PREFIXES = ("uploads/{user}/", "scans/{user}/")


def _scans_eraser(storage: Storage) -> Eraser:
    def erase(session: Session, user_id: uuid.UUID) -> None:
        erase_user_scans(session, user_id=user_id, storage=storage)

    return erase


def _storage_eraser(storage: Storage) -> Eraser:
    def erase(session: Session, user_id: uuid.UUID) -> None:
        erase_user_objects(storage, user_id, [prefix.format(user=user_id.hex) for prefix in USER_PREFIXES])

    return erase


def user_data_erasers(*, storage: Storage) -> dict[str, Eraser]:
    """Erasers in run order, bound to this process's storage (see docs/auth.md)."""
    return {"scans": _scans_eraser(storage), "storage": _storage_eraser(storage)}
