"""Adapter to the locations feature: nearest recycling points for a category.

`api.locations.service` lands with the locations issue; until then (or when it fails) the result
simply has no points, the scan itself is unaffected.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from sqlalchemy.orm import Session

from api.settings import Settings

log = logging.getLogger(__name__)
NEARBY_LIMIT = 3


def nearest_points(
    *, session: Session, settings: Settings, lat: float, lng: float, category: str
) -> list[dict[str, Any]]:
    try:
        service = importlib.import_module("api.locations.service")
    except ImportError:
        return []
    finder = getattr(service, "nearest_points_for_category", None)
    if finder is None:
        return []
    try:
        points = finder(
            session=session, settings=settings, lat=lat, lng=lng, category=category, limit=NEARBY_LIMIT
        )
    except Exception:
        log.warning("nearest points lookup failed; returning none", exc_info=True)
        return []
    return [p if isinstance(p, dict) else p.model_dump(mode="json") for p in points]
