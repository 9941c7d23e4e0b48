"""`/api/v1/locations`: nearby recycling points and place search (public, no login needed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError

from api.deps import KakaoDep, SessionDep, SettingsDep
from api.errors import error_responses
from api.locations import service
from api.locations.categories import CATEGORY_IDS, PointType
from api.locations.schemas import PointsOut
from api.settings import Settings

router = APIRouter(prefix="/locations", tags=["locations"])

Lat = Annotated[float, Query(ge=-90, le=90, description="Latitude (WGS84)")]
Lng = Annotated[float, Query(ge=-180, le=180, description="Longitude (WGS84)")]


def _error(field: str, message: str, value: object) -> dict[str, object]:
    """One 422 entry in FastAPI's own shape, for checks that come from settings, not the signature."""
    return {"type": "value_error", "loc": ("query", field), "msg": message, "input": value}


def _invalid(field: str, message: str, value: object) -> RequestValidationError:
    return RequestValidationError([_error(field, message, value)])


def _check_caps(
    settings: Settings, *, radius_m: int | None, limit: int | None, default_limit: int,
    extra_errors: list[dict[str, object]] | None = None,
) -> tuple[int, int]:  # fmt: skip
    """Apply defaults and the configured caps: (radius, limit); defaults never exceed the caps.

    Every failing field is named in one 422, with `extra_errors` from the caller's own checks.
    """
    errors = list(extra_errors or ())
    radius = (
        radius_m
        if radius_m is not None
        else min(settings.locations_default_radius_m, settings.locations_max_radius_m)
    )
    if radius > settings.locations_max_radius_m:
        errors.append(_error("radius_m", f"must be at most {settings.locations_max_radius_m}", radius_m))
    if limit is not None and limit > settings.locations_max_limit:
        errors.append(_error("limit", f"must be at most {settings.locations_max_limit}", limit))
    if errors:
        raise RequestValidationError(errors)
    return radius, limit if limit is not None else min(default_limit, settings.locations_max_limit)


@router.get("/nearby", response_model=PointsOut, responses=error_responses(422))
def nearby(
    *,
    session: SessionDep,
    kakao: KakaoDep,
    settings: SettingsDep,
    lat: Lat,
    lng: Lng,
    radius_m: Annotated[int | None, Query(gt=0, description="Search radius in metres")] = None,
    point_types: Annotated[
        list[PointType] | None, Query(alias="type", description="Point type(s) to include (repeatable)")
    ] = None,
    category: Annotated[
        str | None, Query(description="Knowledge-base category id the point must accept")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, description="Default 10")] = None,
    open_now: Annotated[
        bool | None, Query(description="Only points open (true) or closed (false) now")
    ] = None,
) -> PointsOut:
    """Collection points ordered by distance. Fewer than `WASTE_LOCATIONS_KAKAO_MIN_POINTS` in the
    radius and a Kakao key set: Kakao Local places are merged in (`kakao_used`); Kakao failing gives
    the database points with `degraded: true`.
    """
    unknown = [] if category is None or category in CATEGORY_IDS else [_error(
        "category", f"unknown category; expected one of {', '.join(sorted(CATEGORY_IDS))}", category
    )]  # fmt: skip
    radius, limit = _check_caps(
        settings, radius_m=radius_m, limit=limit, default_limit=10, extra_errors=unknown
    )
    query = service.NearbyQuery(
        lat=lat, lng=lng, radius_m=radius, limit=limit, types=tuple(point_types or ()), category=category,
        open_now=open_now,
    )  # fmt: skip
    return service.nearby(session=session, settings=settings, query=query, kakao=kakao)


@router.get("/search", response_model=PointsOut, responses=error_responses(422))
def search(
    *,
    session: SessionDep,
    kakao: KakaoDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Place name or address")],
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lng: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_m: Annotated[int | None, Query(gt=0)] = None,
    limit: Annotated[int | None, Query(ge=1, description="Default 15")] = None,
) -> PointsOut:
    """Kakao Local keyword search merged with our points around the centre (lat/lng or the best hit)."""
    radius, limit = _check_caps(settings, radius_m=radius_m, limit=limit, default_limit=15)
    if (lat is None) != (lng is None):
        missing = "lng" if lng is None else "lat"
        raise _invalid(missing, "lat and lng must be given together", None)
    if not q.strip():
        raise _invalid("q", "must not be blank", q)
    return service.search(
        session=session, settings=settings, q=q, lat=lat, lng=lng, radius_m=radius, limit=limit, kakao=kakao
    )
