"""Nearby and search: database points first, Kakao Local to fill sparse areas, merged within 50 m."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from api.db import utcnow
from api.kakao import KakaoError, KakaoLocalClient, KakaoPlace
from api.locations import repository
from api.locations.categories import ALWAYS_OPEN_TYPES, DEFAULT_CATEGORIES, PointType
from api.locations.geo import haversine_m, in_korea
from api.locations.hours import is_open
from api.locations.models import CollectionPoint
from api.locations.schemas import PointOut, PointsOut
from api.settings import Settings

log = logging.getLogger(__name__)

DEDUP_RADIUS_M = 50.0
MAX_FILTER_SCAN = 2000

# What to ask Kakao for, by the most specific thing the user asked for. There is no recycling-bin
# category in Kakao Local, so these are keyword searches (docs/locations.md).
_KAKAO_KEYWORDS: dict[str, tuple[str, PointType]] = {
    "battery": ("폐건전지 수거함", PointType.battery_lamp_bin),
    "lamp": ("폐형광등 수거함", PointType.battery_lamp_bin),
    "textile": ("의류수거함", PointType.clothing_bin),
    "medicine": ("폐의약품 수거함", PointType.medicine_bin),
    "bulky": ("재활용센터", PointType.recycling_centre),
    "electronics": ("재활용센터", PointType.recycling_centre),
}
_KAKAO_BY_TYPE: dict[PointType, str] = {
    PointType.battery_lamp_bin: "폐건전지 수거함",
    PointType.clothing_bin: "의류수거함",
    PointType.medicine_bin: "폐의약품 수거함",
    PointType.clean_house: "클린하우스",
    PointType.recycling_centre: "재활용센터",
    PointType.compensation_shop: "자원순환가게",
}


@dataclass(frozen=True)
class NearbyQuery:
    lat: float
    lng: float
    radius_m: int
    limit: int
    types: Sequence[PointType] = ()
    category: str | None = None
    open_now: bool | None = None


def point_out(point: CollectionPoint, distance_m: float, now: datetime) -> PointOut:
    point_type = PointType(point.type)
    open_now = is_open(point.opening_hours, now)
    if open_now is None and point_type in ALWAYS_OPEN_TYPES:
        open_now = True
    return PointOut(
        id=str(point.id), name=point.name, type=point_type, accepted_categories=point.categories,
        road_address=point.road_address, lot_address=point.lot_address, detail=point.detail,
        lat=point.lat, lng=point.lng, distance_m=round(distance_m, 1), open_now=open_now,
        opening_hours=point.opening_hours, phone=point.phone, source=point.source,
        source_date=point.source_date,
    )  # fmt: skip


def kakao_out(
    place: KakaoPlace, *, lat: float, lng: float, point_type: PointType, category: str | None
) -> PointOut:
    categories = [category] if category else list(DEFAULT_CATEGORIES[point_type])
    return PointOut(
        id=f"kakao:{place.id}", name=place.name, type=point_type, accepted_categories=sorted(categories),
        road_address=place.road_address or None, lot_address=place.address or None,
        lat=place.lat, lng=place.lng, distance_m=round(haversine_m(lat, lng, place.lat, place.lng), 1),
        open_now=None, phone=place.phone or None, source="kakao", place_url=place.place_url or None,
    )  # fmt: skip


def database_points(
    session: Session, query: NearbyQuery, *, now: datetime, keep: Callable[[PointOut], bool] | None = None
) -> list[PointOut]:
    """Database points for `query`, nearest first. With `open_now` or a `keep` filter (applied in
    Python), it pages on through the radius until `limit` points pass, looking at no more than the
    nearest `MAX_FILTER_SCAN` points (a dense 20 km radius must not mean a scan of the whole city).
    """
    filtered = query.open_now is not None or keep is not None
    results: list[PointOut] = []
    offset, batch = 0, query.limit * 4 if filtered else query.limit
    while True:
        found = repository.nearest(
            session, lat=query.lat, lng=query.lng, radius_m=query.radius_m, limit=batch, offset=offset,
            types=[t.value for t in query.types], category=query.category,
        )  # fmt: skip
        for item in found:
            out = point_out(item.point, item.distance_m, now)
            if (query.open_now is None or out.open_now is query.open_now) and (keep is None or keep(out)):
                results.append(out)
        offset += batch
        if not filtered or len(found) < batch or len(results) >= query.limit or offset >= MAX_FILTER_SCAN:
            return results[: query.limit]


def merge(database: list[PointOut], extra: list[PointOut], *, limit: int) -> list[PointOut]:
    """Database points plus the extra places that are not within 50 m of one already kept."""
    merged = list(database)
    for place in extra:
        if all(haversine_m(place.lat, place.lng, p.lat, p.lng) > DEDUP_RADIUS_M for p in merged):
            merged.append(place)
    merged.sort(key=lambda p: p.distance_m)
    return merged[:limit]


def _kakao_request(query: NearbyQuery) -> tuple[str, PointType]:
    if query.category in _KAKAO_KEYWORDS:
        return _KAKAO_KEYWORDS[query.category]
    for point_type in query.types:
        if point_type in _KAKAO_BY_TYPE:
            return _KAKAO_BY_TYPE[point_type], point_type
    return "재활용센터", PointType.recycling_centre


def nearby(
    *, session: Session, settings: Settings, query: NearbyQuery, kakao: KakaoLocalClient | None,
    now: datetime | None = None,
) -> PointsOut:  # fmt: skip
    now = now or utcnow()
    # "Sparse" counts the points in the radius up to WASTE_LOCATIONS_KAKAO_MIN_POINTS, not just the
    # `limit` asked for: limit=1 in a dense area must not spend Kakao quota.
    wanted = max(query.limit, settings.locations_kakao_min_points) if kakao is not None else query.limit
    found = database_points(session, replace(query, limit=wanted), now=now)
    points = found[: query.limit]
    sparse = len(found) < settings.locations_kakao_min_points
    # Kakao Local covers Korea only; its places have no opening hours to answer open_now either way.
    if kakao is None or not sparse or query.open_now is not None or not in_korea(query.lat, query.lng):
        return PointsOut(items=points, count=len(points))
    keyword, point_type = _kakao_request(query)
    # Rounded centre (~11 m): nearby requests share cache entries; distances are recomputed exactly.
    lat, lng = round(query.lat, 4), round(query.lng, 4)
    try:
        places = kakao.collect(
            lambda page: kakao.keyword(
                keyword, lat=lat, lng=lng, radius_m=query.radius_m, page=page, sort="distance"
            ),
            max_results=query.limit,
        )
        extra = [
            kakao_out(p, lat=query.lat, lng=query.lng, point_type=point_type, category=query.category)
            for p in places
        ]
        if query.category == "medicine":
            # Pharmacies (Kakao category PM9) take back unused medicine across Korea.
            pharmacies = kakao.collect(
                lambda page: kakao.category("PM9", lat=lat, lng=lng, radius_m=query.radius_m, page=page),
                max_results=query.limit,
            )
            seen = {p.id for p in places}
            extra += [
                kakao_out(p, lat=query.lat, lng=query.lng, point_type=PointType.other, category="medicine")
                for p in pharmacies
                if p.id not in seen
            ]
    except KakaoError as exc:
        log.warning("Kakao Local failed, serving database points only: %s", exc)
        return PointsOut(items=points, count=len(points), degraded=True)
    extra = [p for p in extra if p.distance_m <= query.radius_m]
    items = merge(points, extra, limit=query.limit)
    return PointsOut(items=items, count=len(items), kakao_used=True)


def search(
    *, session: Session, settings: Settings, q: str, lat: float | None, lng: float | None, radius_m: int,
    limit: int, kakao: KakaoLocalClient | None, now: datetime | None = None,
) -> PointsOut:  # fmt: skip
    """Place search to move the map: Kakao keyword hits plus our points around the centre.

    The centre is (lat, lng) when given, else Kakao's best hit. Without Kakao (no key, or it
    failed -> `degraded`), our points near the centre whose name or address contains `q`.
    """
    now = now or utcnow()
    places: list[KakaoPlace] = []
    degraded = False
    if kakao is not None:
        try:
            places = kakao.collect(
                lambda page: kakao.keyword(
                    q, lat=lat, lng=lng, radius_m=radius_m if lat is not None else None, page=page,
                    sort="distance" if lat is not None else "accuracy",
                ),
                max_results=limit,
            )  # fmt: skip
        except KakaoError as exc:
            log.warning("Kakao Local search failed, serving database points only: %s", exc)
            degraded = True
    if lat is None or lng is None:
        if not places:
            return PointsOut(items=[], count=0, degraded=degraded)
        lat, lng = places[0].lat, places[0].lng
    query = NearbyQuery(lat=lat, lng=lng, radius_m=radius_m, limit=limit)
    if not places:
        needle = q.strip().lower()
        points = database_points(
            session, query, now=now,
            keep=lambda p: needle in " ".join(filter(None, (p.name, p.road_address, p.lot_address))).lower(),
        )  # fmt: skip
        return PointsOut(items=points, count=len(points), degraded=degraded)
    points = database_points(session, query, now=now)
    extra = [kakao_out(p, lat=lat, lng=lng, point_type=PointType.other, category=None) for p in places]
    items = merge(points, extra, limit=limit)
    return PointsOut(items=items, count=len(items), kakao_used=True)


def nearest_points_for_category(
    *, session: Session, settings: Settings, lat: float, lng: float, category: str, limit: int = 3,
    radius_m: int | None = None, now: datetime | None = None,
) -> list[PointOut]:  # fmt: skip
    """For scan results: the nearest database points that accept `category` (a knowledge-base id).

    Radius defaults to `WASTE_LOCATIONS_SCAN_RADIUS_M`. Database only (no Kakao call), so a scan
    never waits on or spends quota of an external API; unknown categories simply return [].
    """
    query = NearbyQuery(
        lat=lat, lng=lng, radius_m=radius_m or settings.locations_scan_radius_m,
        limit=min(limit, settings.locations_max_limit), category=category,
    )  # fmt: skip
    return database_points(session, query, now=now or utcnow())
