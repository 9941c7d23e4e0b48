"""KakaoLocalClient against the fake Kakao server: auth header, pagination, errors, Redis cache."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis
from pytest_httpserver import HTTPServer

from api.kakao import KakaoError, KakaoLocalClient
from tests.api.locations.conftest import SEOUL
from tests.api.locations.fake_kakao import FakeKakao

LAT, LNG = SEOUL


def _client(httpserver: HTTPServer, **kwargs: Any) -> KakaoLocalClient:
    kwargs.setdefault("api_key", "test-key")
    return KakaoLocalClient(base_url=httpserver.url_for("/"), timeout=2, **kwargs)


def _fill(fake: FakeKakao, count: int) -> None:
    for i in range(count):
        fake.add_place(str(1000 + i), f"의류수거함 {i}", LAT + 0.0005 * i, LNG)


def test_keyword_search_sends_kakaoak_and_coordinates(httpserver: HTTPServer, fake_kakao: FakeKakao) -> None:
    _fill(fake_kakao, 3)
    with _client(httpserver) as client:
        page = client.keyword("의류수거함", lat=LAT, lng=LNG, radius_m=5000, sort="distance")
    assert [p.name for p in page.places] == ["의류수거함 0", "의류수거함 1", "의류수거함 2"]
    assert page.is_end and page.total_count == 3
    assert page.places[1].lat == pytest.approx(LAT + 0.0005) and page.places[1].lng == pytest.approx(LNG)
    sent = fake_kakao.requests[0]
    assert sent["x"].startswith("126.97") and sent["y"].startswith("37.56") and sent["radius"] == "5000"
    assert sent["size"] == "15" and sent["page"] == "1"


def test_collect_follows_pages_up_to_the_limit(httpserver: HTTPServer, fake_kakao: FakeKakao) -> None:
    _fill(fake_kakao, 40)
    with _client(httpserver) as client:
        places = client.collect(lambda page: client.keyword("의류수거함", page=page), max_results=35)
    assert len(places) == 35 and len({p.id for p in places}) == 35
    assert [r["page"] for r in fake_kakao.requests] == ["1", "2", "3"]


def test_category_search(httpserver: HTTPServer, fake_kakao: FakeKakao) -> None:
    fake_kakao.add_place("1", "행복약국", LAT, LNG + 0.001, group="PM9")
    fake_kakao.add_place("2", "시청", LAT, LNG, group="PO3")
    with _client(httpserver) as client:
        page = client.category("PM9", lat=LAT, lng=LNG, radius_m=1000)
    assert [p.name for p in page.places] == ["행복약국"]


def test_page_and_size_limits_are_enforced_before_sending(
    httpserver: HTTPServer, fake_kakao: FakeKakao
) -> None:
    with _client(httpserver) as client:
        with pytest.raises(ValueError, match=r"page 1\.\.45"):
            client.keyword("x", page=46)
        with pytest.raises(ValueError, match=r"size 1\.\.15"):
            client.keyword("x", size=16)
    assert fake_kakao.requests == []


@pytest.mark.parametrize(
    ("mode", "kind", "status"),
    [
        ("unauthorized", "auth", 401),
        ("forbidden", "auth", 403),
        ("quota", "quota", 400),
        ("broken", "protocol", None),
        ("odd", "protocol", None),
    ],
)
def test_error_shapes_become_kakao_errors(
    httpserver: HTTPServer, fake_kakao: FakeKakao, mode: str, kind: str, status: int | None
) -> None:
    fake_kakao.mode = mode
    with _client(httpserver) as client, pytest.raises(KakaoError) as caught:
        client.keyword("의류수거함")
    assert caught.value.kind == kind and caught.value.status == status


def test_wrong_key_is_an_auth_error(httpserver: HTTPServer, fake_kakao: FakeKakao) -> None:
    with _client(httpserver, api_key="wrong") as client, pytest.raises(KakaoError) as caught:
        client.keyword("의류수거함")
    assert caught.value.kind == "auth" and "AccessDeniedError" in str(caught.value)


def test_unreachable_server_is_unavailable() -> None:
    client = KakaoLocalClient(base_url="http://127.0.0.1:9", api_key="k", timeout=1)
    with client, pytest.raises(KakaoError) as caught:
        client.keyword("x")
    assert caught.value.kind == "unavailable"


def test_responses_are_cached_in_redis_with_ttl(
    httpserver: HTTPServer, fake_kakao: FakeKakao, redis_url: str, redis_prefix: str
) -> None:
    _fill(fake_kakao, 2)
    cache = redis.Redis.from_url(redis_url)
    try:
        with _client(httpserver, cache=cache, cache_prefix=redis_prefix, cache_ttl=120) as client:
            first = client.keyword("의류수거함", lat=LAT, lng=LNG, radius_m=1000)
            second = client.keyword("의류수거함", lat=LAT, lng=LNG, radius_m=1000)
        assert first == second and len(fake_kakao.requests) == 1
        keys = list(cache.scan_iter(match=f"{redis_prefix}locations:kakao:*"))
        assert len(keys) == 1 and 0 < cache.ttl(keys[0]) <= 120
    finally:
        cache.close()


def test_errors_are_not_cached(
    httpserver: HTTPServer, fake_kakao: FakeKakao, redis_url: str, redis_prefix: str
) -> None:
    cache = redis.Redis.from_url(redis_url)
    try:
        fake_kakao.mode = "quota"
        with _client(httpserver, cache=cache, cache_prefix=redis_prefix) as client:
            with pytest.raises(KakaoError):
                client.keyword("의류수거함")
            fake_kakao.mode = "ok"
            assert client.keyword("의류수거함").places == []
        assert len(fake_kakao.requests) == 2
    finally:
        cache.close()


def test_a_corrupt_cache_entry_is_a_miss(
    httpserver: HTTPServer, fake_kakao: FakeKakao, redis_url: str, redis_prefix: str
) -> None:
    _fill(fake_kakao, 1)
    cache = redis.Redis.from_url(redis_url)
    try:
        with _client(httpserver, cache=cache, cache_prefix=redis_prefix) as client:
            client.keyword("의류수거함")
            (key,) = cache.scan_iter(match=f"{redis_prefix}locations:kakao:*")
            cache.set(key, b"{not json")
            assert [p.name for p in client.keyword("의류수거함").places] == ["의류수거함 0"]
            assert json.loads(cache.get(key) or b"")["documents"][0]["place_name"] == "의류수거함 0"
        assert len(fake_kakao.requests) == 2
    finally:
        cache.close()
