"""The supported CSV layouts (docs/locations.md lists their columns).

data.go.kr standard datasets are accepted with either their Korean CSV headers or the camelCase
field names of the matching OpenAPI. Datasets without an id column get a key derived from name,
coordinates and address, so a re-import updates instead of duplicating.
"""

from __future__ import annotations

import re
from typing import Any

from api.locations.categories import CATEGORY_IDS, PointType, categories_from_text, normalise_categories
from api.locations.hours import WEEKDAYS, WEEKS_KEY, parse_day_text, parse_spec, parse_weeks
from api.locations.importer.formats import (
    Format,
    PointRecord,
    Row,
    RowError,
    categories_or_default,
    coordinates,
    derived_key,
    parse_date,
)

_COMMON: dict[str, tuple[str, ...]] = {
    "name": ("설치장소명", "instlPlcNm"),
    "road": ("소재지도로명주소", "lctnRoadNmAddr", "lctnRoadNm"),
    "lot": ("소재지지번주소", "lctnLotnoAddr"),
    "lat": ("위도", "lat"),
    "lng": ("경도", "lot", "lon"),
    "manager": ("관리기관명", "mngInstNm"),
    "phone": ("관리기관전화번호", "mngInstTelno", "전화번호"),
    "date": ("데이터기준일자", "dataCrtrYmd", "crtrYmd"),
}


def _base(
    row: Row, point_type: PointType, found: set[str], *, detail: str | None, key: str | None = None
) -> PointRecord:
    lat, lng = coordinates(row)
    name = row.get("name", 200) or row.get("road", 200) or row.get("lot", 200)
    if name is None:
        raise RowError("name and address are empty")
    road, lot = row.get("road", 300), row.get("lot", 300)
    return PointRecord(
        source_key=key or derived_key(name, f"{lat:.6f}", f"{lng:.6f}", road or lot),
        type=point_type, name=name, lat=lat, lng=lng, categories=categories_or_default(found, point_type),
        road_address=road, lot_address=lot, detail=detail, phone=row.get("phone", 100),
        source_date=parse_date(row.get("date")),
    )  # fmt: skip


def _clothing(row: Row) -> PointRecord:
    number = row.get("key", 150)
    key = f"{row.get('manager', 40) or ''}:{number}" if number else None
    return _base(row, PointType.clothing_bin, set(), detail=row.get("detail", 500), key=key)


def _battery_lamp(row: Row) -> PointRecord:
    found = categories_from_text(row.get("items")) & {"battery", "lamp"}
    return _base(row, PointType.battery_lamp_bin, found, detail=row.get("detail", 500))


def _medicine(row: Row) -> PointRecord:
    return _base(row, PointType.medicine_bin, set(), detail=row.get("detail", 500))


def _trash_can(row: Row) -> PointRecord:
    kind = row.get("kind") or ""
    point_type = PointType.street_recycling_bin if "재활용" in kind else PointType.street_general_bin
    found = categories_from_text(kind)
    if point_type is PointType.street_recycling_bin:
        found |= {"paper", "pet_clear", "plastic", "glass", "metal"}
    detail = " / ".join(filter(None, (row.get("detail"), kind or None)))[:500] or None
    return _base(row, point_type, found, detail=detail)


def _recycling_centre(row: Row) -> PointRecord:
    record = _base(
        row, PointType.recycling_centre, categories_from_text(row.get("items")) | {"bulky"},
        detail=row.get("items", 500),
    )  # fmt: skip
    start, end = row.get("open"), row.get("close")
    hours: dict[str, list[list[str]]] = {}
    weekday = parse_day_text(f"{start}~{end}") if start and end else None
    if weekday is not None:
        hours.update(dict.fromkeys(WEEKDAYS[:5], weekday))
    closed = row.get("closed") or ""
    for day, korean in zip(WEEKDAYS, "월화수목금토일", strict=True):
        if korean in closed:
            hours[day] = []
    return PointRecord(**{**record.__dict__, "opening_hours": hours or None})


_KECO_DAYS = ("mon", "tues", "wed", "thur", "fri", "sat", "sun")


_CONTRACT_ENDED = "계약종료"
_REWARD = re.compile(r"[^.\n]*(?:\d+\s*원|<->|포인트\s*이상|교환)[^.\n]*")


def _keco_hours(row: Row) -> dict[str, Any]:
    hours: dict[str, Any] = {}
    weeks: dict[str, list[int]] = {}
    for day, prefix in zip(WEEKDAYS, _KECO_DAYS, strict=True):
        text = row.raw(f"{prefix}_hours")
        parsed = parse_day_text(text)
        if parsed is not None:
            hours[day] = parsed
            nth = parse_weeks(text)
            if nth and parsed:
                weeks[day] = nth
    if weeks:
        hours[WEEKS_KEY] = weeks
    return hours


def _keco_rewards(row: Row) -> list[str]:
    """Prices and exchange rules the file states ("현금(1개당=10원)", "폐건전지 20개<->새건전지 2개")."""
    found: list[str] = []
    for field_name in ("intro", "items", "notes"):
        for match in _REWARD.finditer(row.raw(field_name) or ""):
            text = " ".join(match[0].split()).strip(" -·?")
            if text and text not in found and "단가 변경" not in text:
                found.append(text)
    return found


def _keco(row: Row) -> PointRecord:
    days_text = " ".join(row.raw(f"{prefix}_hours") or "" for prefix in _KECO_DAYS)
    if _CONTRACT_ENDED in days_text:
        raise RowError("the site is marked 계약종료 (contract ended): not imported")
    lat, lng = coordinates(row)
    hours = _keco_hours(row)
    items = row.raw("items") or ""
    found = categories_from_text(items)
    if not found:  # no item list: the site's own keywords/intro name what it takes ("투명페트병, 캔")
        blurb = f"{row.raw('keywords') or ''} {row.raw('intro') or ''}".replace("재활용", "")
        found = categories_from_text(blurb)
    rewards = _keco_rewards(row)
    detail = " / ".join(filter(None, (row.get("detail"), "보상: " + "; ".join(rewards) if rewards else None)))
    return PointRecord(
        source_key=row.require("key", "positnSn (site number)", 200), type=PointType.compensation_shop,
        name=row.require("name", "positnNm (name)", 200), lat=lat, lng=lng,
        categories=categories_or_default(found, PointType.compensation_shop),
        road_address=row.get("road", 300), lot_address=row.get("lot", 300), detail=detail[:500] or None,
        opening_hours=hours or None, phone=row.get("phone", 100) or row.get("phone2", 100),
    )  # fmt: skip


def _generic(row: Row) -> PointRecord:
    lat, lng = coordinates(row)
    name = row.require("name", "name", 200)
    type_text = row.require("type", "type")
    try:
        point_type = PointType(type_text)
    except ValueError:
        raise RowError(
            f"unknown type {type_text!r}; expected one of {', '.join(t.value for t in PointType)}"
        ) from None
    given = (row.get("categories") or "").replace(";", " ").replace(",", " ").split()
    unknown = [c for c in given if c not in CATEGORY_IDS]
    if unknown:
        raise RowError(f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}")
    spec = row.get("hours")
    try:
        hours = parse_spec(spec) if spec else None
    except ValueError as exc:
        raise RowError(str(exc)) from None
    date_text = row.get("date")
    source_date = parse_date(date_text)
    if date_text and source_date is None:
        raise RowError(f"source_date {date_text!r} is not a date (use YYYY-MM-DD)")
    road, lot = row.get("road", 300), row.get("lot", 300)
    return PointRecord(
        source_key=row.get("key", 200) or derived_key(name, f"{lat:.6f}", f"{lng:.6f}", road or lot),
        type=point_type, name=name, lat=lat, lng=lng,
        categories=normalise_categories(given) if given else categories_or_default(set(), point_type),
        road_address=road, lot_address=lot, detail=row.get("detail", 500), opening_hours=hours,
        phone=row.get("phone", 100), source_date=source_date,
    )  # fmt: skip


_REQUIRED = ("name", "lat", "lng")
_CENTRE_FIELDS = {
    **_COMMON,
    "name": ("재활용센터명", "rcyclCntrNm", "센터명"),
    "road": ("소재지도로명주소", "주소", "lctnRoadNmAddr"),
    "items": ("주요취급품목정보", "주요취급품목"),
    "open": ("평일운영시작시각", "weekdayOperOpenHhmm"),
    "close": ("평일운영종료시각", "weekdayOperColseHhmm"),
    "closed": ("휴무일", "rstdeInfo"),
}
_KECO_FIELDS = {
    "key": ("positnSn",),
    "name": ("positnNm",),
    "road": ("positnRdnmAddr",),
    "lot": ("positnLotnoAddr",),
    "detail": ("positnPstnAddExpln",),
    "lat": ("positnPstnLat",),
    "lng": ("positnPstnLot",),
    "items": ("clctItemCn",),
    "intro": ("positnIntdcCn",),
    "keywords": ("comRelSrwrdListCn",),
    "notes": ("etcMttrCn",),
    "phone": ("rprsTelnoCn",),
    "phone2": ("bscTelnoCn",),
    **{f"{d}_hours": (f"{d}SalsHrExplnCn",) for d in _KECO_DAYS},
}
GENERIC_COLUMNS = (
    "source_key", "name", "type", "lat", "lng", "road_address", "lot_address", "detail", "categories",
    "phone", "opening_hours", "source_date",
)  # fmt: skip
_GENERIC_FIELDS = dict(
    zip(
        (
            "key",
            "name",
            "type",
            "lat",
            "lng",
            "road",
            "lot",
            "detail",
            "categories",
            "phone",
            "hours",
            "date",
        ),
        ((column,) for column in GENERIC_COLUMNS),
        strict=True,
    )
)

FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "clothing", "전국의류수거함표준데이터 (clothing bins)", "data.go.kr:clothing-bins",
            {**_COMMON, "key": ("관리번호", "mngNo"), "detail": ("세부위치", "dtlPstn")},
            _REQUIRED, _clothing,
        ),
        Format(
            "battery-lamp", "전국폐형광등폐건전지수거함표준데이터 (battery/lamp bins)",
            "data.go.kr:battery-lamp-bins",
            {**_COMMON, "items": ("수거품목명", "cltItemNm"),
             "detail": ("세부위치내용", "dtlPstnCn", "세부위치")},
            _REQUIRED, _battery_lamp,
        ),
        Format(
            "medicine", "전국폐의약품수거함표준데이터 (medicine bins)", "data.go.kr:medicine-bins",
            {**_COMMON, "detail": ("실제위치", "actlPstn", "세부위치")}, _REQUIRED, _medicine,
        ),
        Format(
            "trash-can", "전국휴지통표준데이터 (street trash cans)", "data.go.kr:trash-cans",
            {**_COMMON, "kind": ("휴지통종류", "trshcnKndNm"), "detail": ("세부위치", "dtlPstn")},
            (*_REQUIRED, "kind"), _trash_can,
        ),
        Format(
            "recycling-centre", "전국재활용센터표준데이터 (recycling centres)",
            "data.go.kr:recycling-centres",
            _CENTRE_FIELDS, _REQUIRED, _recycling_centre,
        ),
        Format(
            "keco", "KECO recyclables-compensation sites (자원순환가게)", "keco:compensation-sites",
            _KECO_FIELDS, ("key", "name", "lat", "lng"), _keco,
        ),
        Format(
            "generic", "our documented generic CSV (docs/locations.md)", "generic",
            _GENERIC_FIELDS, ("name", "type", "lat", "lng"), _generic,
        ),
    )
}  # fmt: skip
