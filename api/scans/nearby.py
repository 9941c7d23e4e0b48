"""Nearest recycling points that accept a scan's category (the locations feature, database only).

A failing lookup never fails the scan: the result then simply lists no points.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from api.locations.service import nearest_points_for_category
from api.settings import Settings

log = logging.getLogger(__name__)
NEARBY_LIMIT = 3


def nearest_points(
    *, session: Session, settings: Settings, lat: float, lng: float, category: str
) -> list[dict[str, Any]]:
    try:
        with session.begin_nested():
            points = nearest_points_for_category(
                session=session, settings=settings, lat=lat, lng=lng, category=category, limit=NEARBY_LIMIT
            )
    except Exception:
        log.warning("nearest points lookup failed; the scan result lists none", exc_info=True)
        return []
    return [point.model_dump(mode="json") for point in points]
