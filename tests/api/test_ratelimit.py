"""Rate limits (issue 15, row 13): per IP and per user, Redis-backed, 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.context import AppContext
from api.ratelimit import client_address
from api.settings import Settings
from tests.api.scans import imagegen
from tests.conftest import clear_tables

pytestmark = pytest.mark.services

LOW = {
    "rate_limit_login_per_ip": "3/minute",
    "rate_limit_token_per_ip": "2/minute",
    "rate_limit_refresh_per_ip": "2/minute",
    "rate_limit_upload_per_user": "2/minute",
    "rate_limit_scan_per_user": "2/minute",
    "rate_limit_scan_per_ip": "5/minute",
}


@pytest.fixture
def limited(
    make_settings: Callable[..., Settings], migrated_postgres_url: str, redis_url: str, redis_prefix: str
) -> Callable[..., AppContext]:
    """Contexts on the real PostgreSQL and Redis (a private key prefix) with low limits."""
    made: list[AppContext] = []

    def factory(**overrides: Any) -> AppContext:
        values = {"database_url": migrated_postgres_url, "redis_url": redis_url, "redis_prefix": redis_prefix}
        context = AppContext.from_settings(make_settings(**(values | LOW | overrides)))
        made.append(context)
        return context

    yield factory  # type: ignore[misc]
    for context in made:
        clear_tables(context)
        context.close()


@pytest.fixture
def context(limited: Callable[..., AppContext]) -> AppContext:
    return limited()


def _client(context: AppContext, ip: str = "203.0.113.7") -> TestClient:
    from api.main import create_app

    return TestClient(create_app(context=context), client=(ip, 50000))


@pytest.fixture
def client(context: AppContext) -> Iterator[TestClient]:
    with _client(context) as test_client:
        yield test_client


def _assert_429(response: Any, code: str = "rate_limited") -> int:
    assert response.status_code == 429, response.text
    body = response.json()
    assert set(body) == {"detail", "code"} and body["code"] == code
    retry = int(response.headers["retry-after"])
    assert 1 <= retry <= 60
    return retry


def _dev_login(client: TestClient, nickname: str) -> Any:
    return client.post("/api/v1/auth/dev/token", json={"nickname": nickname})


def test_logins_are_limited_per_address(client: TestClient, context: AppContext, redis_prefix: str) -> None:
    assert [_dev_login(client, f"user{i}").status_code for i in range(3)] == [200, 200, 200]
    over = _dev_login(client, "user3")
    _assert_429(over)
    assert "too many login attempts from this address" in over.json()["detail"]
    # authorize and the callback share the login budget of the address.
    _assert_429(client.get("/api/v1/auth/kakao/authorize"))
    _assert_429(client.get("/api/v1/auth/kakao/callback", params={"state": "s", "code": "c"}))
    # Another address is not affected, and the counters are in Redis under the private prefix.
    with _client(context, ip="198.51.100.9") as other:
        assert _dev_login(other, "someone").status_code == 200
    assert context.redis is not None
    assert list(context.redis.scan_iter(match=f"{redis_prefix}ratelimit*"))


def test_the_count_is_shared_by_every_api_process(limited: Callable[..., AppContext]) -> None:
    """Two apps (two pods) on one Redis: together they get the address's budget once."""
    with _client(limited()) as first, _client(limited()) as second:
        assert _dev_login(first, "aa").status_code == 200
        assert _dev_login(second, "bb").status_code == 200
        assert _dev_login(first, "cc").status_code == 200
        _assert_429(_dev_login(second, "dd"))


def test_token_exchange_and_refresh_are_limited(client: TestClient) -> None:
    for _ in range(2):  # provider disabled here (404), but each attempt counts
        assert client.post("/api/v1/auth/kakao/token", json={"access_token": "x"}).status_code == 404
    _assert_429(client.post("/api/v1/auth/kakao/token", json={"access_token": "x"}))
    for _ in range(2):
        assert client.post("/api/v1/auth/refresh", json={"refresh_token": "bad"}).status_code == 401
    _assert_429(client.post("/api/v1/auth/refresh", json={"refresh_token": "bad"}))


def _headers(client: TestClient, nickname: str) -> dict[str, str]:
    response = _dev_login(client, nickname)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _scan(client: TestClient, headers: dict[str, str]) -> Any:
    files = {"image": ("photo.jpg", imagegen.jpeg(64, 64), "image/jpeg")}
    return client.post("/api/v1/scans", files=files, headers=headers)


def test_scans_are_limited_per_user_and_per_address(client: TestClient, context: AppContext) -> None:
    alice, bob = _headers(client, "alice"), _headers(client, "bob")
    assert [_scan(client, alice).status_code for _ in range(2)] == [202, 202]
    over = _scan(client, alice)
    _assert_429(over)
    assert "too many scans from this account" in over.json()["detail"]
    # Bob, on the same address, still has his own share...
    assert [_scan(client, bob).status_code for _ in range(2)] == [202, 202]
    # ...until the address's budget (5/minute, counting the refused request too) is spent.
    carol = _headers(client, "carol")
    refused = _scan(client, carol)
    _assert_429(refused)
    assert "from this address" in refused.json()["detail"]


def test_upload_tickets_are_limited_per_user(client: TestClient) -> None:
    headers = _headers(client, "uploader")
    tickets = [
        client.post("/api/v1/uploads", json={"content_type": "image/jpeg"}, headers=headers) for _ in range(3)
    ]
    assert [t.status_code for t in tickets[:2]] == [201, 201]
    _assert_429(tickets[2])
    assert client.post("/api/v1/uploads", json={"content_type": "image/jpeg"}).status_code == 401


def test_embedded_profile_counts_in_memory(
    make_settings: Callable[..., Settings], migrated_postgres_url: str
) -> None:
    """No Redis: the `limits` memory storage of this process."""
    context = AppContext.from_settings(
        make_settings(database_url=migrated_postgres_url, rate_limit_login_per_ip="2/minute")
    )
    try:
        assert context.redis is None
        with _client(context) as client:
            assert [_dev_login(client, f"m{i}").status_code for i in range(2)] == [200, 200]
            _assert_429(_dev_login(client, "m2"))
    finally:
        clear_tables(context)
        context.close()


def test_redis_down_lets_requests_through(limited: Callable[..., AppContext]) -> None:
    """A rate limit never takes logins down with Redis: it fails open (and logs)."""
    from tests.support.cli import free_port

    context = limited(redis_url=f"redis://127.0.0.1:{free_port()}/0", rate_limit_login_per_ip="1/minute")
    with _client(context) as client:
        assert [_dev_login(client, f"r{i}").status_code for i in range(3)] == [200, 200, 200]


def test_disabled_limits_count_nothing(limited: Callable[..., AppContext]) -> None:
    with _client(limited(rate_limits_enabled=False)) as client:
        assert {_dev_login(client, f"d{i}").status_code for i in range(5)} == {200}


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
    ],
)
def test_client_address_groups_ipv6_by_64(host: str, expected: str) -> None:
    from starlette.requests import Request

    request = Request({"type": "http", "client": (host, 1), "headers": []})
    assert client_address(request) == expected


def test_bad_limit_text_is_refused(make_settings: Callable[..., Settings]) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="rate_limit_scan_per_user"):
        make_settings(rate_limit_scan_per_user="lots")
    every_default = Settings.model_fields
    from limits import parse_many

    for name, field in every_default.items():
        if name.startswith("rate_limit_") and isinstance(field.default, str):
            assert parse_many(field.default), name
