"""Nearest-point queries: an index prefilter per backend, then exact haversine distances.

PostgreSQL (`cube` + `earthdistance`, migration 0003): `earth_box(center, r) @> ll_to_earth(lat, lng)`
is answered by the GiST index on `ll_to_earth(lat, lng)`, and `ORDER BY ... <-> center` walks the
same index in distance order (cube's KNN operator; chord distance orders like arc distance), so a
nearest-10 query touches a handful of index pages whatever the table size.

SQLite: `lat BETWEEN ... AND lng BETWEEN ...` on the composite (lat, lng) index, then haversine and
sorting in Python over the candidates, starting from a small box and growing it (`_sqlite_ranked`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Float, Select, func, literal, select
from sqlalchemy.orm import Session

from api.locations.geo import bounding_box, haversine_m
from api.locations.models import CollectionPoint

# earth_distance() uses a 6378168 m sphere, haversine the 6371009 m mean radius: widen the box a bit.
_EARTH_BOX_SLACK = 1.002


@dataclass(frozen=True)
class Found:
    point: CollectionPoint
    distance_m: float


def _filters(types: Sequence[str] | None, category: str | None) -> list[object]:
    conditions: list[object] = []
    if types:
        conditions.append(CollectionPoint.type.in_(list(types)))
    if category:
        conditions.append(CollectionPoint.accepted_categories.like(f"%,{category},%"))
    return conditions


def postgres_nearest_stmt(
    *, lat: float, lng: float, radius_m: float, limit: int, offset: int = 0,
    types: Sequence[str] | None = None, category: str | None = None,
) -> Select[CollectionPoint]:  # fmt: skip
    center = func.ll_to_earth(literal(lat, Float), literal(lng, Float))
    location = func.ll_to_earth(CollectionPoint.lat, CollectionPoint.lng)
    box = func.earth_box(center, literal(radius_m * _EARTH_BOX_SLACK, Float))
    return (
        select(CollectionPoint)
        .where(box.op("@>")(location), *_filters(types, category))  # type: ignore[arg-type]
        .order_by(location.op("<->")(center))
        .limit(limit)
        .offset(offset)
    )


def sqlite_candidates_stmt(
    *,
    lat: float,
    lng: float,
    radius_m: float,
    types: Sequence[str] | None = None,
    category: str | None = None,
) -> Select[uuid.UUID, float, float]:
    box = bounding_box(lat, lng, radius_m)
    return select(CollectionPoint.id, CollectionPoint.lat, CollectionPoint.lng).where(
        CollectionPoint.lat.between(box.min_lat, box.max_lat),
        CollectionPoint.lng.between(box.min_lng, box.max_lng),
        *_filters(types, category),  # type: ignore[arg-type]
    )


def nearest(
    session: Session, *, lat: float, lng: float, radius_m: float, limit: int, offset: int = 0,
    types: Sequence[str] | None = None, category: str | None = None,
) -> list[Found]:  # fmt: skip
    """Points within `radius_m` of (lat, lng), nearest first, `limit` of them after skipping `offset`."""
    if session.get_bind().dialect.name == "postgresql":
        # One round trip: the index orders by distance, so LIMIT/OFFSET apply before the exact check.
        stmt = postgres_nearest_stmt(
            lat=lat, lng=lng, radius_m=radius_m, limit=limit, offset=offset, types=types, category=category
        )
        found = [Found(p, haversine_m(lat, lng, p.lat, p.lng)) for p in session.scalars(stmt)]
        return [f for f in found if f.distance_m <= radius_m]
    ranked = _sqlite_ranked(
        session, lat=lat, lng=lng, radius_m=radius_m, wanted=offset + limit, types=types, category=category
    )[offset : offset + limit]
    if not ranked:
        return []
    ids = [point_id for _, point_id in ranked]
    points = {p.id: p for p in session.scalars(select(CollectionPoint).where(CollectionPoint.id.in_(ids)))}
    return [Found(points[i], d) for d, i in ranked if i in points]


def _sqlite_ranked(
    session: Session, *, lat: float, lng: float, radius_m: float, wanted: int,
    types: Sequence[str] | None, category: str | None,
) -> list[tuple[float, uuid.UUID]]:  # fmt: skip
    """(distance, id) of the nearest `wanted` points within `radius_m`, growing the box from small.

    The (lat, lng) index narrows only the latitude band, so a big box in a dense city reads many
    entries. Every point within `r` lies in the box of `r`; once `wanted` points are within `r`,
    no point outside it can be nearer, so small boxes usually answer and large ones are the
    fallback for sparse areas.
    """
    step = max(radius_m / 16, 100.0)
    while True:
        step = min(step, radius_m)
        candidates = sqlite_candidates_stmt(lat=lat, lng=lng, radius_m=step, types=types, category=category)
        ranked = []
        for row in session.execute(candidates):
            distance = haversine_m(lat, lng, row.lat, row.lng)
            if distance <= step:
                ranked.append((distance, row.id))
        if len(ranked) >= wanted or step >= radius_m:
            ranked.sort(key=lambda item: item[0])
            return ranked[:wanted]
        step *= 4
