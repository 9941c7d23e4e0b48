"""`GET /users/me/stats`: a user's scan statistics, aggregated in the database.

Three small queries, each a single aggregate over the user's rows (index `ix_scans_user_created`):

* totals, per-status counts and first/last scan time: one `COUNT`/`SUM(CASE)`/`MIN`/`MAX`;
* streaks: the distinct Korean calendar days with a scan, turned into runs of consecutive days
  with the gaps-and-islands trick (`day - ROW_NUMBER()` is constant along a run), then `MAX`;
* categories: the items of finished scans' result JSON, unnested and grouped in SQL. Portable JSON
  SQL does not exist, so this one has a PostgreSQL (`json_array_elements`) and a SQLite
  (`json_each`) spelling. Names come from the knowledge base bundle, not the database.

Days are Asia/Seoul calendar days. PostgreSQL converts with its time-zone database; SQLite has
none, so it adds the fixed +09:00 offset (Korea has had no daylight saving time since 1988).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, bindparam, case, func, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from api.db import GUID
from api.knowledge import KnowledgeBundle
from api.scans.models import Scan
from api.scans.status import PENDING_STATUSES, ScanStatus
from api.users.schemas import CategoryCount, ScanStatusCounts, Streak, UserStats

STATS_TZ = ZoneInfo("Asia/Seoul")
_EPOCH = datetime(1970, 1, 1).date()


class KstDayNumber(FunctionElement[int]):
    """Days since 1970-01-01 of a UTC timestamp column's Asia/Seoul calendar date."""

    type = Integer()
    inherit_cache = True


@compiles(KstDayNumber, "postgresql")
def _kst_day_pg(element: KstDayNumber, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"((({column}) AT TIME ZONE 'Asia/Seoul')::date - DATE '1970-01-01')"


@compiles(KstDayNumber, "sqlite")
def _kst_day_sqlite(element: KstDayNumber, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"CAST(julianday(date({column}, '+9 hours')) - 2440587.5 AS INTEGER)"


_CATEGORY_SQL = {
    "postgresql": """
        SELECT item->>'category_id' AS category_id, COUNT(*) AS n
        FROM scans AS s
        CROSS JOIN LATERAL json_array_elements(
            CASE WHEN json_typeof(s.result->'items') = 'array' THEN s.result->'items' END
        ) AS item
        WHERE s.user_id = :user_id AND s.status = 'done'
        GROUP BY 1
    """,
    "sqlite": """
        SELECT json_extract(item.value, '$.category_id') AS category_id, COUNT(*) AS n
        FROM scans AS s, json_each(s.result, '$.items') AS item
        WHERE s.user_id = :user_id AND s.status = 'done' AND json_type(s.result, '$.items') = 'array'
        GROUP BY 1
    """,
}


def _totals(session: Session, user_id: uuid.UUID) -> tuple[int, ScanStatusCounts, Any, Any]:
    def count_if(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            func.count(),
            count_if(Scan.status == ScanStatus.done),
            count_if(Scan.status == ScanStatus.failed),
            count_if(Scan.status.in_(PENDING_STATUSES)),
            func.min(Scan.created_at),
            func.max(Scan.created_at),
        ).where(Scan.user_id == user_id)
    ).one()
    counts = ScanStatusCounts(done=int(row[1]), failed=int(row[2]), pending=int(row[3]))
    return int(row[0]), counts, row[4], row[5]


def _streak(session: Session, user_id: uuid.UUID, now: datetime) -> Streak:
    """Runs of consecutive days up to today (scans dated after `now`'s day are ignored)."""
    local_today = now.astimezone(STATS_TZ).date()
    tomorrow = datetime.combine(local_today + timedelta(days=1), datetime.min.time(), STATS_TZ)
    today = (local_today - _EPOCH).days
    day = KstDayNumber(Scan.created_at).label("day")
    days = select(day).where(Scan.user_id == user_id, Scan.created_at < tomorrow).distinct().subquery()
    islands = select(
        days.c.day, (days.c.day - func.row_number().over(order_by=days.c.day)).label("run")
    ).subquery()
    runs = (
        select(func.max(islands.c.day).label("last"), func.count().label("length"))
        .group_by(islands.c.run)
        .subquery()
    )
    longest, current, last = session.execute(
        select(
            func.coalesce(func.max(runs.c.length), 0),
            func.coalesce(func.max(case((runs.c.last >= today - 1, runs.c.length), else_=0)), 0),
            func.max(runs.c.last),
        )
    ).one()
    return Streak(current=int(current), longest=int(longest), scanned_today=last == today)


def _categories(session: Session, user_id: uuid.UUID, bundle: KnowledgeBundle) -> list[CategoryCount]:
    dialect = session.get_bind().dialect.name
    sql = _CATEGORY_SQL.get(dialect)
    if sql is None:
        raise NotImplementedError(f"user stats support PostgreSQL and SQLite, not {dialect}")
    query = text(sql).bindparams(bindparam("user_id", type_=GUID()))
    rows = session.execute(query, {"user_id": user_id}).all()
    counts = []
    for category_id, n in rows:
        if category_id is None:
            continue
        category = bundle.category(str(category_id))
        counts.append(
            CategoryCount(
                category_id=str(category_id),
                name_ko=category.name_ko if category else None,
                name_en=category.name_en if category else None,
                count=int(n),
            )
        )
    counts.sort(key=lambda c: (-c.count, c.category_id))
    return counts


def user_stats(*, session: Session, user_id: uuid.UUID, now: datetime, bundle: KnowledgeBundle) -> UserStats:
    """Statistics of one user's scans; `now` decides which day is "today" for the streak."""
    total, by_status, first, last = _totals(session, user_id)
    return UserStats(
        total_scans=total,
        by_status=by_status,
        by_category=_categories(session, user_id, bundle) if by_status.done else [],
        first_scan_at=first,
        last_scan_at=last,
        streak=_streak(session, user_id, now) if total else Streak(current=0, longest=0, scanned_today=False),
        timezone=STATS_TZ.key,
    )
