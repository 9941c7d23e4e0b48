"""Changes that cached answers depend on, announced when their transaction commits.

A service that ends a session, changes a user's row or changes a finished scan notes it on its
SQLAlchemy session (`note_change`; scans are noted by `api.scans.changes` on its own); the hook
that `install_change_hooks` puts on the session factory hands each committed transaction's changes
to a callback (normally `api.cache.feed.ChangeFeed.announce`) and drops those of a rolled-back one.
Announcing after the commit, not before, means no other process can re-read the old row after
hearing of the change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

_PENDING = "waste_cache_changes"


class ChangeKind(StrEnum):
    session = "session"  # one auth session revoked or deleted
    user = "user"  # the user's row changed or went: every session of theirs, and their scans
    scan = "scan"  # one finished scan changed (re-grounded, re-opened, deleted)
    all_scans = "all-scans"  # scans changed by a statement that names no ids


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    id: uuid.UUID | None = None

    def encode(self) -> str:
        return f"{self.kind.value}:{self.id or ''}"

    @classmethod
    def decode(cls, text: str) -> Change:
        """The change `encode` wrote; ValueError for anything else."""
        kind, _, ident = text.partition(":")
        change_kind = ChangeKind(kind)
        if change_kind is ChangeKind.all_scans:
            return cls(change_kind)
        return cls(change_kind, uuid.UUID(ident))


class ChangeListener(Protocol):
    """A cache the feed keeps true."""

    def evict(self, change: Change) -> None: ...

    def set_trusted(self, trusted: bool) -> None: ...


def note_change(db: Session, change: Change) -> None:
    pending: set[Change] = db.info.setdefault(_PENDING, set())
    pending.add(change)


def note_session_ended(db: Session, session_id: uuid.UUID) -> None:
    note_change(db, Change(ChangeKind.session, session_id))


def note_user_changed(db: Session, user_id: uuid.UUID) -> None:
    note_change(db, Change(ChangeKind.user, user_id))


def install_change_hooks(
    factory: sessionmaker[Session], announce: Callable[[frozenset[Change]], None]
) -> None:
    """Call `announce` with each committed transaction's changes (sessions made by `factory`)."""

    def after_commit(db: Session) -> None:
        changes = db.info.pop(_PENDING, None)
        if changes:
            announce(frozenset(changes))

    def after_rollback(db: Session) -> None:
        db.info.pop(_PENDING, None)

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_rollback", after_rollback)
