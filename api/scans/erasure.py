"""Erasing a deleted user's scans: rows (scans, stage events, feedback, uploads) and stored images.

Runs inside the account-deletion transaction (`api.account.erasure`). The rows go first and are
flushed; then every stored object of the user (scan images, the original uploads, uploads that
were never used) is deleted through the `Storage` protocol (local directory or S3). Storage
deletions cannot be rolled back, so the order matters:

* a storage failure raises `503 storage_unavailable`: the transaction rolls back and the account
  is left complete (its rows, tokens and sessions intact). Some images may already be gone,
  exactly as after the retention purge (the scans show their results without the photo); the
  request can be retried, and deleting a missing object succeeds on both storages.
* only when every object is gone does the deletion commit, so a `204` means the photos are gone,
  too; nothing is left for a later job to find without rows pointing to it.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from api.scans.models import Scan, ScanEvent, ScanFeedback
from api.storage import Storage
from api.uploads.erasure import erasure_storage_unavailable
from api.uploads.models import Upload

log = logging.getLogger(__name__)


def stored_keys(session: Session, user_id: uuid.UUID) -> set[str]:
    """Every storage key the user's rows point to (purged images have an empty key)."""
    keys: set[str] = set()
    for image_key, upload_key, original_key in session.execute(
        select(Scan.image_key, Scan.upload_key, Scan.original_key).where(Scan.user_id == user_id)
    ):
        keys.update(key for key in (image_key, upload_key, original_key) if key)
    keys.update(session.scalars(select(Upload.key).where(Upload.user_id == user_id)))
    return keys


def erase_user_scans(session: Session, *, user_id: uuid.UUID, storage: Storage) -> int:
    """Delete the user's scan data, then their stored objects. Returns the number of objects."""
    keys = stored_keys(session, user_id)
    scan_ids = select(Scan.id).where(Scan.user_id == user_id)
    session.execute(
        delete(ScanFeedback).where(or_(ScanFeedback.user_id == user_id, ScanFeedback.scan_id.in_(scan_ids)))
    )
    session.execute(delete(ScanEvent).where(ScanEvent.scan_id.in_(scan_ids)))
    session.execute(delete(Scan).where(Scan.user_id == user_id))
    session.execute(delete(Upload).where(Upload.user_id == user_id))
    session.flush()
    for key in sorted(keys):
        try:
            storage.delete(key)
        except Exception as exc:  # StorageUnavailable (S3), OSError (local disk), ...
            log.warning("account deletion of %s stopped: could not delete %s: %s", user_id, key, exc)
            raise erasure_storage_unavailable() from None
    return len(keys)
