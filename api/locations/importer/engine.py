"""Stream a CSV through a format, validate each row, and upsert on (source, source_key).

The file is read line by line (never whole), rows are upserted in batches within one transaction,
and the session is cleared after each batch, so memory stays flat for 100k+ row files. `strict`
rolls the whole import back when any row is skipped.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from api.db import utcnow
from api.locations.importer.encoding import DecodedLines, check_encoding, detect_file_encoding
from api.locations.importer.formats import Format, ImportFileError, PointRecord, Row, RowError
from api.locations.models import CollectionPoint

BATCH_SIZE = 500
PROGRESS_EVERY = 10_000


@dataclass
class Skipped:
    line: int
    reason: str


@dataclass
class ImportReport:
    format: str
    source: str
    encoding: str
    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    strict: bool = False
    committed: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped_count"] = len(self.skipped)
        return data


@dataclass
class UpsertCounts:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert_records(session: Session, source: str, records: Iterable[PointRecord]) -> UpsertCounts:
    """Insert new points, update changed ones, leave identical ones alone (no commit)."""
    counts = UpsertCounts()
    batch = list(records)
    if not batch:
        return counts
    keys = [record.source_key for record in batch]
    existing = {
        point.source_key: point
        for point in session.scalars(
            select(CollectionPoint).where(
                CollectionPoint.source == source, CollectionPoint.source_key.in_(keys)
            )
        )
    }
    now = utcnow()
    for record in batch:
        values = record.values()
        point = existing.get(record.source_key)
        if point is None:
            session.add(
                CollectionPoint(
                    source=source, source_key=record.source_key, created_at=now, updated_at=now, **values
                )
            )
            counts.imported += 1
        elif any(getattr(point, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(point, name, value)
            point.updated_at = now
            counts.updated += 1
        else:
            counts.unchanged += 1
    session.flush()
    session.expunge_all()
    return counts


def _records(
    fmt: Format, lines: DecodedLines, report: ImportReport, progress: Callable[[int], None] | None
) -> Iterable[PointRecord]:
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("the file is empty") from None
    except csv.Error as exc:
        raise ImportFileError(f"cannot read the header: {exc}") from None
    if 1 in lines.bad_lines:
        raise ImportFileError(f"the header line is not valid {report.encoding} text (pass --encoding)")
    columns = fmt.columns(header)
    seen: dict[str, int] = {}
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. an unterminated quote runs to the end of the file
            report.skipped.append(Skipped(start, f"broken CSV: {exc}"))
            return
        last_line = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue
        report.rows += 1
        if progress and report.rows % PROGRESS_EVERY == 0:
            progress(report.rows)
        if any(start <= n <= last_line for n in lines.bad_lines):
            report.skipped.append(Skipped(start, f"bytes that are not valid {report.encoding} text"))
            continue
        if len(cells) != len(header):
            reason = f"expected {len(header)} columns, found {len(cells)}"
            if last_line > start:  # a quote left open swallows the lines after it into one field
                reason += f" (the row runs over lines {start}-{last_line}: a quote not closed?)"
            report.skipped.append(Skipped(start, reason))
            continue
        try:
            record = fmt.build(Row(cells, columns))
        except RowError as exc:
            report.skipped.append(Skipped(start, str(exc)))
            continue
        if record.source_key in seen:
            report.skipped.append(
                Skipped(
                    start,
                    f"duplicate source key {record.source_key!r} (first on line {seen[record.source_key]})",
                )
            )
            continue
        seen[record.source_key] = start
        yield record


def import_points(
    path: Path, *, fmt: Format, session_factory: sessionmaker[Session], source: str | None = None,
    encoding: str | None = None, strict: bool = False, progress: Callable[[int], None] | None = None,
) -> ImportReport:  # fmt: skip
    """Import `path`; ImportFileError when the file as a whole is unusable (nothing is written)."""
    with path.open("rb") as binary:
        chosen = check_encoding(encoding) if encoding else detect_file_encoding(binary)
        binary.seek(0)
        report = ImportReport(format=fmt.name, source=source or fmt.source, encoding=chosen, strict=strict)
        lines = DecodedLines(binary, chosen)
        session = session_factory()
        try:
            batch: list[PointRecord] = []
            batches = 0
            for record in _records(fmt, lines, report, progress):
                batch.append(record)
                if len(batch) >= BATCH_SIZE:
                    _count(report, upsert_records(session, report.source, batch))
                    batch.clear()
                    batches += 1
                    if batches in _ANALYZE_AFTER_BATCHES:
                        _refresh_statistics(session)
            _count(report, upsert_records(session, report.source, batch))
            if strict and report.skipped:
                session.rollback()
                report.imported = report.updated = report.unchanged = 0
            else:
                session.commit()
                report.committed = True
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
    return report


# 2k, 20k and 200k rows into a big import. Without statistics (a new table, or rows added in this
# very transaction) PostgreSQL picks the (source, source_key) index for `source = ...` alone and
# filters every row of the source per batch, which makes large imports quadratic.
_ANALYZE_AFTER_BATCHES = frozenset({4, 40, 400})


def _refresh_statistics(session: Session) -> None:
    """ANALYZE inside the import transaction (it samples the rows this transaction inserted)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE collection_points"))


def _count(report: ImportReport, counts: UpsertCounts) -> None:
    report.imported += counts.imported
    report.updated += counts.updated
    report.unchanged += counts.unchanged
