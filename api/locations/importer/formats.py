"""The building blocks of an import format: header aliases, a row accessor, the normalised record."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from api.locations.categories import DEFAULT_CATEGORIES, PointType, normalise_categories
from api.locations.geo import in_korea


class ImportFileError(Exception):
    """The file as a whole cannot be imported (encoding, header, format): exit code 2."""


class RowError(Exception):
    """One row is unusable; the message is the reason shown to the operator."""


@dataclass(frozen=True)
class PointRecord:
    """One collection point, normalised, ready to upsert."""

    source_key: str
    type: PointType
    name: str
    lat: float
    lng: float
    categories: list[str]
    road_address: str | None = None
    lot_address: str | None = None
    detail: str | None = None
    opening_hours: dict[str, list[list[str]]] | None = None
    phone: str | None = None
    source_date: date | None = None

    def values(self) -> dict[str, Any]:
        from api.locations.models import pack_categories

        return {
            "type": self.type.value, "name": self.name, "lat": self.lat, "lng": self.lng,
            "accepted_categories": pack_categories(self.categories), "road_address": self.road_address,
            "lot_address": self.lot_address, "detail": self.detail, "opening_hours": self.opening_hours,
            "phone": self.phone, "source_date": self.source_date,
        }  # fmt: skip


class Row:
    """A CSV row seen through the format's logical field names."""

    def __init__(self, cells: list[str], columns: dict[str, int]) -> None:
        self._cells = cells
        self._columns = columns

    def get(self, name: str, max_length: int | None = None) -> str | None:
        index = self._columns.get(name)
        if index is None:
            return None
        value = " ".join(self._cells[index].split())  # collapse newlines and runs of spaces
        if not value or value in ("-", "없음", "null", "NULL"):
            return None
        return value[:max_length] if max_length else value

    def raw(self, name: str) -> str | None:
        index = self._columns.get(name)
        return None if index is None else (self._cells[index].strip() or None)

    def require(self, name: str, label: str, max_length: int | None = None) -> str:
        value = self.get(name, max_length)
        if value is None:
            raise RowError(f"{label} is empty")
        return value


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    source: str
    fields: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    build: Callable[[Row], PointRecord]
    labels: dict[str, str] = field(default_factory=dict)

    def columns(self, header: list[str]) -> dict[str, int]:
        """Map logical fields to header positions; ImportFileError naming what is missing."""
        cleaned = [cell.strip().lstrip("\ufeff").strip('"') for cell in header]
        columns: dict[str, int] = {}
        for name, aliases in self.fields.items():
            for alias in aliases:
                if alias in cleaned:
                    columns[name] = cleaned.index(alias)
                    break
        missing = [name for name in self.required if name not in columns]
        if missing:
            wanted = "; ".join(f"{name} ({' or '.join(self.fields[name])})" for name in missing)
            found = ", ".join(cleaned[:12]) + (" ..." if len(cleaned) > 12 else "")
            raise ImportFileError(
                f"wrong header for format {self.name!r}: missing column(s) {wanted}; the file has: {found}"
            )
        return columns


# --- helpers shared by the formats ----------------------------------------------------------
def coordinates(row: Row) -> tuple[float, float]:
    lat_text, lng_text = row.get("lat"), row.get("lng")
    if lat_text is None or lng_text is None:
        raise RowError("latitude/longitude is empty")
    try:
        lat, lng = float(lat_text), float(lng_text)
    except ValueError:
        raise RowError(f"latitude/longitude is not a number ({lat_text!r}, {lng_text!r})") from None
    if not in_korea(lat, lng):
        if in_korea(lng, lat):
            raise RowError(
                f"coordinates ({lat}, {lng}) are outside Korea: latitude and longitude look swapped"
            )
        raise RowError(f"coordinates ({lat}, {lng}) are outside Korea")
    return lat, lng


_DATE = re.compile(r"^(\d{4})[-./]?(\d{1,2})[-./]?(\d{1,2})")


def parse_date(text: str | None) -> date | None:
    """`2024-05-31`, `20240531`, `2024.05.31` -> date; anything else -> None (a date is optional)."""
    if not text:
        return None
    match = _DATE.match(text.strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def derived_key(*parts: object) -> str:
    """A stable key for datasets without an id column: same row, same key, so re-imports update."""
    text = "|".join("" if part is None else str(part) for part in parts)
    return "h:" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:24]


def categories_or_default(found: set[str], point_type: PointType) -> list[str]:
    return normalise_categories(found or set(DEFAULT_CATEGORIES[point_type]))
