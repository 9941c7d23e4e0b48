"""Notes every change to a finished scan and every scan's finishing, whatever code makes them, for
`RenderedScans` to evict.

Installed on every context's session factory (`AppContext`): a flush that updates or deletes a
`Scan` whose stored status is final, or that gives one a final status, notes that scan; an ORM
`UPDATE`/`DELETE` statement on scans names no ids, so it notes `all_scans` unless it says it
touches no finished scan (`execution_options(final_scans_unchanged=True)`, as the stuck-scan claim
does). A pending scan's move from stage to stage is not noted: the pipeline makes several per
scan, and a cached pending scan lives only seconds (api/scans/result_cache.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from api.cache.changes import Change, ChangeKind, note_change
from api.scans.models import Scan
from api.scans.status import FINAL_STATUSES

#: Execution option of an UPDATE/DELETE on scans that only ever matches pending ones.
FINAL_SCANS_UNCHANGED = "final_scans_unchanged"


def _stored_status(scan: Scan) -> Any:
    """The status as last loaded from the database (before this flush's change to it, if any)."""
    history = inspect(scan).attrs.status.history
    if history.deleted:
        return history.deleted[0]
    return scan.status


def install_scan_change_tracking(factory: sessionmaker[Session]) -> None:
    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        for obj in (*session.dirty, *session.deleted):
            if isinstance(obj, Scan) and (
                _stored_status(obj) in FINAL_STATUSES or obj.status in FINAL_STATUSES
            ):
                note_change(session, Change(ChangeKind.scan, obj.id))

    def do_orm_execute(state: ORMExecuteState) -> None:
        if not (state.is_update or state.is_delete) or state.execution_options.get(FINAL_SCANS_UNCHANGED):
            return
        if any(mapper.class_ is Scan for mapper in state.all_mappers):
            note_change(state.session, Change(ChangeKind.all_scans))

    event.listen(factory, "before_flush", before_flush)
    event.listen(factory, "do_orm_execute", do_orm_execute)
