"""The scan-pipeline entry point and the synthetic development sample."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from api.context import AppContext
from api.locations.categories import PointType
from api.locations.sample import SAMPLE_SOURCE, sample_records, seed_sample_points
from api.locations.service import nearest_points_for_category
from api.seed import development_seeders
from api.settings import Settings
from tests.api.locations.conftest import SEOUL, add_points, record

LAT, LNG = SEOUL


def test_nearest_points_for_category_picks_points_accepting_it(
    context: AppContext, settings: Settings
) -> None:
    add_points(context, [
        record("bin", LAT + 0.0005, LNG, PointType.street_recycling_bin),
        record("battery-near", LAT + 0.002, LNG, PointType.battery_lamp_bin),
        record("battery-far", LAT + 0.01, LNG, PointType.battery_lamp_bin),
        record("battery-too-far", LAT + 0.05, LNG, PointType.battery_lamp_bin),
        record("clothes", LAT + 0.001, LNG, PointType.clothing_bin),
    ])  # fmt: skip
    with context.session_factory() as session:
        battery = nearest_points_for_category(
            session=session, settings=settings, lat=LAT, lng=LNG, category="battery", limit=5
        )
        textile = nearest_points_for_category(
            session=session, settings=settings, lat=LAT, lng=LNG, category="textile", limit=5
        )
        narrow = nearest_points_for_category(
            session=session, settings=settings, lat=LAT, lng=LNG, category="battery", limit=5, radius_m=500
        )
        unknown = nearest_points_for_category(
            session=session, settings=settings, lat=LAT, lng=LNG, category="nope", limit=5
        )
    # default radius WASTE_LOCATIONS_SCAN_RADIUS_M = 2000 m: the 5.5 km point is out
    assert [p.name for p in battery] == ["point battery-near", "point battery-far"]
    assert all("battery" in p.accepted_categories for p in battery)
    assert [p.name for p in textile] == ["point clothes"]
    assert [p.name for p in narrow] == ["point battery-near"]
    assert unknown == []


def test_scan_radius_is_a_setting(
    context: AppContext, make_settings: Callable[..., Settings], migrated_postgres_url: str
) -> None:
    add_points(context, [record("battery", LAT + 0.01, LNG, PointType.battery_lamp_bin)])  # ~1.1 km
    small = make_settings(database_url=migrated_postgres_url, locations_scan_radius_m=500)
    with context.session_factory() as session:
        found = nearest_points_for_category(
            session=session, settings=small, lat=LAT, lng=LNG, category="battery", limit=3
        )
    assert found == []


def test_sample_is_synthetic_labelled_and_idempotent(context: AppContext, client: TestClient) -> None:
    records = sample_records()
    assert 20 <= len(records) <= 60
    assert all(r.name.startswith("[샘플]") for r in records)
    assert {r.type for r in records} >= {
        PointType.battery_lamp_bin,
        PointType.clothing_bin,
        PointType.medicine_bin,
    }
    assert "locations sample points (synthetic)" in development_seeders()
    assert seed_sample_points(context) == len(records)
    assert seed_sample_points(context) == len(records)
    body = client.get(
        "/api/v1/locations/nearby", params={"lat": LAT, "lng": LNG, "limit": 50, "radius_m": 20000}
    ).json()
    assert body["count"] == len(records)  # all of Seoul's sample within 20 km, none duplicated
    assert {item["source"] for item in body["items"]} == {SAMPLE_SOURCE}
    battery = client.get(
        "/api/v1/locations/nearby", params={"lat": LAT, "lng": LNG, "category": "battery"}
    ).json()
    assert battery["items"] and battery["items"][0]["type"] == "battery_lamp_bin"
