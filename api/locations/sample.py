"""Synthetic development sample: 40 made-up collection points around Seoul.

NOT real data: names start with "[샘플]" and the source is `sample:synthetic`, so nobody mistakes
them for a dataset. Loaded by `wastectl dev` (api.seed) so /locations/nearby answers at once.
"""

from __future__ import annotations

from api.context import AppContext
from api.db import session_scope
from api.locations.categories import DEFAULT_CATEGORIES, PointType
from api.locations.importer.engine import upsert_records
from api.locations.importer.formats import PointRecord

SAMPLE_SOURCE = "sample:synthetic"

_ANCHORS = (
    ("시청", 37.5663, 126.9779),
    ("강남역", 37.4979, 127.0276),
    ("홍대입구", 37.5572, 126.9245),
    ("잠실", 37.5133, 127.1001),
    ("여의도", 37.5219, 126.9245),
    ("왕십리", 37.5612, 127.0371),
    ("노원", 37.6542, 127.0568),
    ("목동", 37.5264, 126.8747),
)
_KINDS = (
    (PointType.street_recycling_bin, "가로 재활용 수거함", (0.0012, 0.0008), None),
    (PointType.clothing_bin, "의류수거함", (-0.0015, 0.0011), None),
    (PointType.battery_lamp_bin, "폐건전지·형광등 수거함", (0.0021, -0.0017), "mon-fri 09:00-18:00"),
    (PointType.medicine_bin, "폐의약품 수거함", (-0.0024, -0.0009), "mon-fri 09:00-18:00; sat 09:00-13:00"),
    (PointType.recycling_centre, "재활용센터", (0.0041, 0.0035), "mon-sat 10:00-19:00; sun closed"),
)


def sample_records() -> list[PointRecord]:
    from api.locations.hours import parse_spec

    records = []
    for anchor, lat, lng in _ANCHORS:
        for point_type, label, (dlat, dlng), hours in _KINDS:
            records.append(
                PointRecord(
                    source_key=f"{anchor}:{point_type.value}",
                    type=point_type,
                    name=f"[샘플] {anchor} {label}",
                    lat=round(lat + dlat, 6),
                    lng=round(lng + dlng, 6),
                    categories=list(DEFAULT_CATEGORIES[point_type]),
                    detail="개발용 가상 데이터 (synthetic sample, not a real location)",
                    opening_hours=parse_spec(hours) if hours else None,
                )
            )
    return records


def seed_sample_points(context: AppContext) -> int:
    """Upsert the sample (idempotent); returns how many sample points exist."""
    records = sample_records()
    with session_scope(context.session_factory) as session:
        upsert_records(session, SAMPLE_SOURCE, records)
    return len(records)
