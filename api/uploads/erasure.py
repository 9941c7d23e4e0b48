"""Deleting every stored object under a user's folders when the account is deleted.

Runs inside the account-deletion transaction after the row erasers (`api.account.erasure`): a
failure raises `Unavailable` (`503 storage_unavailable`), the transaction rolls back and the account stays
complete, exactly like a failure of the scans eraser; a retry deletes what is left.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from api.domain_errors import Unavailable
from api.storage import Storage

log = logging.getLogger(__name__)


def erasure_storage_unavailable() -> Unavailable:
    """What an account deletion raises when storage refuses a delete (it rolls back, retry later)."""
    return Unavailable(
        "stored images could not be deleted; the account was not deleted, try again later",
        code="storage_unavailable",
        retry_after=30,
    )


def erase_user_objects(storage: Storage, user_id: uuid.UUID, prefixes: Iterable[str]) -> int:
    """Delete everything under `prefixes`; the number of objects deleted."""
    deleted = 0
    for prefix in prefixes:
        try:
            deleted += storage.delete_prefix(prefix)
        except Exception as exc:  # StorageUnavailable (S3), OSError (local disk), ...
            log.warning("account deletion of %s stopped: could not delete %s*: %s", user_id, prefix, exc)
            raise erasure_storage_unavailable() from None
    return deleted
