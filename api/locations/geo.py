"""Great-circle distance, bounding boxes and the "inside Korea" check."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)

# Generous envelope of the Republic of Korea incl. Jeju, Ulleungdo, Dokdo and Marado.
KOREA_LAT = (33.0, 38.7)
KOREA_LNG = (124.5, 132.0)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class BoundingBox:
    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float


def bounding_box(lat: float, lng: float, radius_m: float) -> BoundingBox:
    """A lat/lng box that contains every point within `radius_m` (slightly larger, never smaller)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M) * 1.001
    cos_lat = max(math.cos(math.radians(min(89.0, abs(lat) + dlat))), 1e-6)
    dlng = min(180.0, dlat / cos_lat)
    return BoundingBox(lat - dlat, lat + dlat, lng - dlng, lng + dlng)


def in_korea(lat: float, lng: float) -> bool:
    return KOREA_LAT[0] <= lat <= KOREA_LAT[1] and KOREA_LNG[0] <= lng <= KOREA_LNG[1]
