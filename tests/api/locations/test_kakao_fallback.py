"""Nearby and search with the fake Kakao: merge, 50 m de-duplication, cache, degraded results."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api.context import AppContext
from api.locations.categories import PointType
from api.locations.hours import parse_spec
from api.main import create_app
from api.settings import Settings
from tests.api.locations.conftest import SEOUL, add_points, record
from tests.api.locations.fake_kakao import FakeKakao
from tests.conftest import clear_tables

LAT, LNG = SEOUL
NEARBY = "/api/v1/locations/nearby"
SEARCH = "/api/v1/locations/search"


@pytest.fixture
def app(
    kakao_settings: Callable[..., Settings], redis_url: str, redis_prefix: str
) -> Iterator[tuple[TestClient, AppContext]]:
    context = AppContext.from_settings(kakao_settings(redis_url=redis_url, redis_prefix=redis_prefix))
    with TestClient(create_app(context=context)) as client:
        yield client, context
    clear_tables(context)
    context.close()


def test_sparse_area_merges_kakao_and_drops_duplicates_within_50m(
    app: tuple[TestClient, AppContext], fake_kakao: FakeKakao
) -> None:
    client, context = app
    add_points(context, [record("ours", LAT + 0.001, LNG, PointType.clothing_bin, name="우리 의류수거함")])
    fake_kakao.add_place("1", "의류수거함 A", LAT + 0.0012, LNG)  # ~22 m from ours: duplicate
    fake_kakao.add_place("2", "의류수거함 B", LAT + 0.004, LNG)  # ~445 m: kept
    fake_kakao.add_place("3", "의류수거함 C", LAT + 0.05, LNG)  # outside the radius
    response = client.get(NEARBY, params={"lat": LAT, "lng": LNG, "radius_m": 1000, "category": "textile"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [i["name"] for i in body["items"]] == ["우리 의류수거함", "의류수거함 B"]
    kakao_item = body["items"][1]
    assert kakao_item["source"] == "kakao" and kakao_item["id"] == "kakao:2"
    assert kakao_item["type"] == "clothing_bin" and kakao_item["accepted_categories"] == ["textile"]
    assert kakao_item["place_url"].endswith("/2") and kakao_item["distance_m"] == pytest.approx(445, abs=5)
    assert body["kakao_used"] is True and body["degraded"] is False
    assert fake_kakao.requests[0]["query"] == "의류수거함" and fake_kakao.requests[0]["sort"] == "distance"
    # the same request again is answered from the Redis cache
    client.get(NEARBY, params={"lat": LAT, "lng": LNG, "radius_m": 1000, "category": "textile"})
    assert len(fake_kakao.requests) == 1


def test_dense_area_does_not_call_kakao(app: tuple[TestClient, AppContext], fake_kakao: FakeKakao) -> None:
    client, context = app
    add_points(context, [record(f"p{i}", LAT + 0.001 * i, LNG) for i in range(1, 5)])
    body = client.get(NEARBY, params={"lat": LAT, "lng": LNG, "radius_m": 1000}).json()
    assert body["count"] == 4 and body["kakao_used"] is False and fake_kakao.requests == []


@pytest.mark.parametrize("mode", ["unauthorized", "forbidden", "quota", "broken", "odd"])
def test_kakao_errors_degrade_to_database_points(
    app: tuple[TestClient, AppContext], fake_kakao: FakeKakao, mode: str
) -> None:
    client, context = app
    add_points(context, [record("ours", LAT + 0.001, LNG)])
    fake_kakao.add_place("2", "의류수거함 B", LAT + 0.004, LNG)
    fake_kakao.mode = mode
    response = client.get(NEARBY, params={"lat": LAT, "lng": LNG, "radius_m": 1000})
    assert response.status_code == 200
    body = response.json()
    assert body["degraded"] is True and [i["name"] for i in body["items"]] == ["point ours"]
    search = client.get(SEARCH, params={"q": "point", "lat": LAT, "lng": LNG})
    assert search.status_code == 200 and search.json()["degraded"] is True
    assert [i["name"] for i in search.json()["items"]] == ["point ours"]


def test_search_merges_kakao_places_with_our_points(
    app: tuple[TestClient, AppContext], fake_kakao: FakeKakao
) -> None:
    client, context = app
    add_points(context, [record("ours", LAT + 0.001, LNG, name="시청 재활용함")])
    fake_kakao.add_place("10", "서울시청", LAT, LNG)
    fake_kakao.add_place("11", "서울시청 별관", LAT + 0.0011, LNG)  # within 50 m of ours: dropped
    body = client.get(SEARCH, params={"q": "서울시청"}).json()
    assert [i["name"] for i in body["items"]] == ["서울시청", "시청 재활용함"]
    assert body["items"][0]["distance_m"] == 0 and body["kakao_used"] is True
    assert "x" not in fake_kakao.requests[0] and fake_kakao.requests[0]["sort"] == "accuracy"
    with_centre = client.get(SEARCH, params={"q": "서울시청", "lat": LAT, "lng": LNG, "radius_m": 500})
    assert with_centre.status_code == 200 and fake_kakao.requests[-1]["radius"] == "500"


def test_search_with_no_hit_and_no_centre_is_empty(
    app: tuple[TestClient, AppContext], fake_kakao: FakeKakao
) -> None:
    client, _ = app
    response = client.get(SEARCH, params={"q": "없는곳"})
    assert response.status_code == 200 and response.json()["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"q": "a", "lat": LAT}, "lng"),
        ({"q": "a", "lng": LNG}, "lat"),
        ({"q": "a", "lat": 100, "lng": LNG}, "lat"),
        ({"q": "a", "radius_m": 0}, "radius_m"),
        ({"q": "a", "limit": 1000}, "limit"),
    ],
)
def test_search_bad_input_is_422(
    app: tuple[TestClient, AppContext], params: dict[str, object], field: str
) -> None:
    client, _ = app
    response = client.get(SEARCH, params=params)
    assert response.status_code == 422, response.text
    assert field in [error["loc"][-1] for error in response.json()["errors"]]


def test_without_a_key_nothing_calls_kakao(
    make_settings: Callable[..., Settings], migrated_postgres_url: str, fake_kakao: FakeKakao
) -> None:
    context = AppContext.from_settings(make_settings(database_url=migrated_postgres_url))
    try:
        add_points(context, [record("ours", LAT + 0.001, LNG, name="시청 재활용함")])
        with TestClient(create_app(context=context)) as client:
            nearby = client.get(NEARBY, params={"lat": LAT, "lng": LNG}).json()
            search = client.get(SEARCH, params={"q": "시청", "lat": LAT, "lng": LNG}).json()
        assert nearby["degraded"] is False and len(nearby["items"]) == 1
        assert [i["name"] for i in search["items"]] == ["시청 재활용함"] and search["degraded"] is False
        assert fake_kakao.requests == []
    finally:
        clear_tables(context)
        context.close()


def test_kakao_is_not_asked_outside_korea_or_for_open_now(
    app: tuple[TestClient, AppContext], fake_kakao: FakeKakao
) -> None:
    client, _ = app
    outside = client.get(NEARBY, params={"lat": 35.68, "lng": 139.76})  # Tokyo
    assert outside.status_code == 200 and outside.json()["items"] == []
    open_now = client.get(NEARBY, params={"lat": LAT, "lng": LNG, "open_now": "true"})
    assert open_now.status_code == 200 and open_now.json()["items"] == []
    assert fake_kakao.requests == []


def test_medicine_also_asks_for_nearby_pharmacies(
    app: tuple[TestClient, AppContext], fake_kakao: FakeKakao
) -> None:
    client, _ = app
    fake_kakao.add_place("30", "주민센터 폐의약품 수거함", LAT + 0.003, LNG)
    fake_kakao.add_place("31", "행복약국", LAT + 0.002, LNG, group="PM9")
    fake_kakao.add_place("32", "멀리약국", LAT + 0.05, LNG, group="PM9")
    body = client.get(NEARBY, params={"lat": LAT, "lng": LNG, "category": "medicine"}).json()
    assert [i["name"] for i in body["items"]] == ["행복약국", "주민센터 폐의약품 수거함"]
    assert body["items"][0]["type"] == "other" and body["items"][0]["accepted_categories"] == ["medicine"]
    assert body["items"][1]["type"] == "medicine_bin"
    assert [r.get("category_group_code") for r in fake_kakao.requests] == [None, "PM9"]


def test_small_limit_in_a_dense_area_does_not_call_kakao(
    app: tuple[TestClient, AppContext], fake_kakao: FakeKakao
) -> None:
    """Sparse means fewer than WASTE_LOCATIONS_KAKAO_MIN_POINTS (3) in the radius, whatever `limit` is."""
    client, context = app
    add_points(context, [record(f"p{i}", LAT + 0.001 * i, LNG) for i in range(1, 5)])
    fake_kakao.add_place("2", "재활용센터 B", LAT + 0.0045, LNG)
    body = client.get(NEARBY, params={"lat": LAT, "lng": LNG, "radius_m": 1000, "limit": 1}).json()
    assert [i["name"] for i in body["items"]] == ["point p1"]
    assert body["kakao_used"] is False and fake_kakao.requests == []


def test_open_now_false_lists_no_kakao_places(
    app: tuple[TestClient, AppContext], fake_kakao: FakeKakao
) -> None:
    """Kakao places have no hours (`open_now: null`): they cannot answer "closed now"."""
    client, context = app
    never = parse_spec("daily 00:00-00:01")
    add_points(context, [record("shut", LAT + 0.001, LNG, PointType.recycling_centre, opening_hours=never)])
    fake_kakao.add_place("2", "재활용센터 B", LAT + 0.004, LNG)
    body = client.get(NEARBY, params={"lat": LAT, "lng": LNG, "open_now": "false"}).json()
    assert [(i["name"], i["open_now"]) for i in body["items"]] == [("point shut", False)]
    assert body["kakao_used"] is False and fake_kakao.requests == []


def test_kakao_places_within_50m_of_each_other_are_listed_once(
    app: tuple[TestClient, AppContext], fake_kakao: FakeKakao
) -> None:
    """The keyword hit and the pharmacy (category search) at the same spot: the nearer one is kept."""
    client, _ = app
    fake_kakao.add_place("40", "약국 안 폐의약품 수거함", LAT + 0.002, LNG)
    fake_kakao.add_place("41", "건강약국", LAT + 0.0022, LNG, group="PM9")  # ~22 m from 40
    fake_kakao.add_place("42", "먼 약국", LAT + 0.004, LNG, group="PM9")  # ~220 m from 40: kept
    body = client.get(NEARBY, params={"lat": LAT, "lng": LNG, "category": "medicine"}).json()
    assert [i["id"] for i in body["items"]] == ["kakao:40", "kakao:42"]


def test_search_without_kakao_finds_matches_beyond_the_nearest_limit(
    make_settings: Callable[..., Settings], migrated_postgres_url: str
) -> None:
    """The name filter is not applied to the nearest `limit` points only: 20 nearer non-matches."""
    context = AppContext.from_settings(make_settings(database_url=migrated_postgres_url))
    try:
        others = [record(f"o{i}", LAT + 0.0001 * i, LNG, name=f"다른 수거함 {i}") for i in range(1, 21)]
        add_points(context, [*others, record("hit", LAT + 0.005, LNG, name="시청 재활용함")])
        with TestClient(create_app(context=context)) as client:
            search = client.get(SEARCH, params={"q": "시청", "lat": LAT, "lng": LNG, "limit": 5})
        assert search.status_code == 200
        assert [i["name"] for i in search.json()["items"]] == ["시청 재활용함"]
    finally:
        clear_tables(context)
        context.close()
