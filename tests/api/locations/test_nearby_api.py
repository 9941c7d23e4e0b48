"""GET /api/v1/locations/nearby on PostgreSQL: ordering, filters, open_now and every bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from api.context import AppContext
from api.locations.categories import PointType
from api.locations.hours import is_open, parse_spec
from api.settings import Settings
from tests.api.locations.conftest import SEOUL, add_points, record

LAT, LNG = SEOUL
URL = "/api/v1/locations/nearby"


@pytest.fixture
def points(context: AppContext) -> None:
    always = parse_spec("daily 00:00-24:00")
    never = parse_spec("daily 00:00-00:01")
    add_points(context, [
        record("bin", LAT + 0.001, LNG, PointType.street_recycling_bin),
        record("battery", LAT + 0.002, LNG, PointType.battery_lamp_bin, opening_hours=always, phone="02-1"),
        record("medicine", LAT + 0.003, LNG, PointType.medicine_bin, opening_hours=never),
        record("clothes", LAT + 0.004, LNG, PointType.clothing_bin),
        record("far", LAT + 0.1, LNG, PointType.street_recycling_bin),
    ], source="test:dataset")  # fmt: skip


def test_points_ordered_by_distance_with_fields(client: TestClient, points: None) -> None:
    response = client.get(URL, params={"lat": LAT, "lng": LNG, "radius_m": 1000})
    assert response.status_code == 200, response.text
    body = response.json()
    names = [item["name"] for item in body["items"]]
    assert names == ["point bin", "point battery", "point medicine", "point clothes"]
    distances = [item["distance_m"] for item in body["items"]]
    assert distances == sorted(distances) and 100 < distances[0] < 125  # 0.001 deg lat ~ 111 m
    first = body["items"][0]
    assert first["source"] == "test:dataset" and first["type"] == "street_recycling_bin"
    assert first["open_now"] is True  # outdoor bin without hours
    assert body["items"][1]["open_now"] is True and body["items"][2]["open_now"] is False
    assert body["count"] == 4 and body["degraded"] is False and body["kakao_used"] is False


def test_filters_type_category_limit_and_open_now(client: TestClient, points: None) -> None:
    params = {"lat": LAT, "lng": LNG, "radius_m": 1000}
    by_category = client.get(URL, params={**params, "category": "battery"}).json()["items"]
    assert [i["name"] for i in by_category] == ["point battery"]
    assert "battery" in by_category[0]["accepted_categories"]
    by_types = client.get(URL, params=[*params.items(), ("type", "clothing_bin"), ("type", "medicine_bin")])
    assert [i["name"] for i in by_types.json()["items"]] == ["point medicine", "point clothes"]
    limited = client.get(URL, params={**params, "limit": 2}).json()["items"]
    assert len(limited) == 2
    open_now = client.get(URL, params={**params, "open_now": "true"}).json()["items"]
    assert "point medicine" not in [i["name"] for i in open_now] and len(open_now) == 3
    closed = client.get(URL, params={**params, "open_now": "false"}).json()["items"]
    assert [i["name"] for i in closed] == ["point medicine"]


def test_open_now_uses_seoul_time() -> None:
    hours = parse_spec("mon-fri 09:00-18:00")
    # 23:30 UTC Sunday is 08:30 Monday in Seoul (closed), 00:30 UTC Monday is 09:30 (open)
    assert is_open(hours, datetime(2026, 11, 29, 23, 30, tzinfo=UTC)) is False
    assert is_open(hours, datetime(2026, 11, 30, 0, 30, tzinfo=UTC)) is True


def test_empty_area_is_200_with_empty_list(client: TestClient, points: None) -> None:
    response = client.get(URL, params={"lat": 35.1796, "lng": 129.0756, "radius_m": 500})
    assert response.status_code == 200
    assert response.json()["items"] == [] and response.json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lng": LNG}, "lat"),
        ({"lat": LAT}, "lng"),
        ({"lat": 91, "lng": LNG}, "lat"),
        ({"lat": LAT, "lng": -181}, "lng"),
        ({"lat": "north", "lng": LNG}, "lat"),
        ({"lat": LAT, "lng": LNG, "radius_m": 0}, "radius_m"),
        ({"lat": LAT, "lng": LNG, "radius_m": -5}, "radius_m"),
        ({"lat": LAT, "lng": LNG, "radius_m": 20001}, "radius_m"),
        ({"lat": LAT, "lng": LNG, "type": "volcano"}, "type"),
        ({"lat": LAT, "lng": LNG, "category": "plutonium"}, "category"),
        ({"lat": LAT, "lng": LNG, "limit": 51}, "limit"),
        ({"lat": LAT, "lng": LNG, "limit": 0}, "limit"),
    ],
)
def test_bad_input_is_422_naming_the_field(client: TestClient, params: dict[str, object], field: str) -> None:
    response = client.get(URL, params=params)
    assert response.status_code == 422, response.text
    fields = [
        error["loc"][-1] if error["loc"][-1] != 0 else error["loc"][-2] for error in response.json()["errors"]
    ]
    assert field in fields, response.json()


def test_caps_come_from_settings(make_settings: Callable[..., Settings], migrated_postgres_url: str) -> None:
    from api.main import create_app

    settings = make_settings(
        database_url=migrated_postgres_url, locations_max_radius_m=500, locations_max_limit=5
    )
    with TestClient(create_app(settings)) as client:
        assert client.get(URL, params={"lat": LAT, "lng": LNG, "radius_m": 501}).status_code == 422
        assert client.get(URL, params={"lat": LAT, "lng": LNG, "limit": 6}).status_code == 422
        assert (
            client.get(URL, params={"lat": LAT, "lng": LNG, "radius_m": 500, "limit": 5}).status_code == 200
        )
        defaults = client.get(URL, params={"lat": LAT, "lng": LNG})  # default radius/limit clamp to the caps
        assert defaults.status_code == 200, defaults.text


def test_open_now_filter_looks_at_a_bounded_number_of_points(
    context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.db import utcnow
    from api.locations import service

    never = parse_spec("daily 00:00-00:01")
    closed = [record(f"c{i}", LAT + 0.0001 * i, LNG, PointType.recycling_centre, opening_hours=never)
              for i in range(1, 11)]  # fmt: skip
    add_points(context, [*closed, record("open", LAT + 0.002, LNG)])
    query = service.NearbyQuery(lat=LAT, lng=LNG, radius_m=1000, limit=1, open_now=True)
    with context.session_factory() as session:
        assert [p.name for p in service.database_points(session, query, now=utcnow())] == ["point open"]
        monkeypatch.setattr(service, "MAX_FILTER_SCAN", 8)  # two pages of 4: the open point is 11th
        assert service.database_points(session, query, now=utcnow()) == []


def test_every_bad_field_is_named_in_one_422(client: TestClient) -> None:
    response = client.get(
        URL, params={"lat": LAT, "lng": LNG, "radius_m": 99_999, "limit": 99, "category": "x"}
    )
    assert response.status_code == 422
    assert {error["loc"][-1] for error in response.json()["errors"]} == {"radius_m", "limit", "category"}
