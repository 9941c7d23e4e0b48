"""Web login: authorize -> (fake provider approves) -> callback, on both state stores."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.auth.models import LoginAudit, OAuthStateRow
from api.context import AppContext
from api.db import utcnow
from api.users.models import User
from tests.api.auth.conftest import FRONTEND
from tests.api.auth.fakes import KAKAO_CLIENT_ID, FakeProviders

pytestmark = pytest.mark.services


@pytest.fixture(params=["database", "redis"])
def auth_overrides(request: pytest.FixtureRequest, fake: FakeProviders) -> dict[str, Any]:
    overrides = {
        **fake.settings(),
        "auth_frontend_origins": [FRONTEND],
        "auth_frontend_redirect_path": "/#/home",
        "auth_frontend_error_path": "/#/login",
        "auth_redirect_uris": ["https://m.example.test/auth/kakao/callback"],
    }
    if request.param == "redis":
        overrides |= {
            "redis_url": request.getfixturevalue("redis_url"),
            "redis_prefix": request.getfixturevalue("redis_prefix"),
        }
    return overrides


def _authorize(client: TestClient, provider: str, **params: str) -> dict[str, str]:
    response = client.get(f"/api/v1/auth/{provider}/authorize", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _users(context: AppContext) -> int:
    with context.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)


def test_kakao_web_login_sets_cookies(client: TestClient, fake: FakeProviders, context: AppContext) -> None:
    started = _authorize(client, "kakao")
    url = urlsplit(started["authorization_url"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path.endswith("/kauth/oauth/authorize")
    assert query["client_id"] == KAKAO_CLIENT_ID and query["state"] == started["state"]
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"] == "https://testserver/api/v1/auth/kakao/callback"
    if context.redis is not None:
        key = f"{context.settings.redis_prefix}oauth:state:{started['state']}"
        assert 590 <= context.redis.ttl(key) <= 600
    else:
        with context.session_factory() as session:
            assert session.get(OAuthStateRow, started["state"]) is not None

    code, state = fake.approve(started["authorization_url"], fake.kakao_user(5005, nickname="웹사용자"))
    callback = client.get(
        "/api/v1/auth/kakao/callback", params={"code": code, "state": state}, follow_redirects=False
    )
    assert callback.status_code == 302, callback.text
    assert callback.headers["location"] == f"{FRONTEND}/#/home"
    cookies = callback.headers.get_list("set-cookie")
    access = next(c for c in cookies if c.startswith("waste_access="))
    refresh = next(c for c in cookies if c.startswith("waste_refresh="))
    for cookie in (access, refresh):
        assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
    assert "Path=/api/v1/auth" in refresh
    # The cookie alone authenticates; the state cannot be used twice.
    assert client.get("/api/v1/users/me").json()["nickname"] == "웹사용자"
    replay = client.get("/api/v1/auth/kakao/callback", params={"code": code, "state": state})
    assert replay.status_code == 400 and replay.json()["code"] == "state_invalid"


def test_naver_web_login_without_pkce_json_mode(client: TestClient, fake: FakeProviders) -> None:
    started = _authorize(client, "naver", response_mode="json")
    query = parse_qs(urlsplit(started["authorization_url"]).query)
    assert "code_challenge" not in query and query["state"] == [started["state"]]
    code, state = fake.approve(started["authorization_url"], fake.naver_user("n-web"))
    response = client.get("/api/v1/auth/naver/callback", params={"code": code, "state": state})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["email"] == "n-web@naver.test" and response.json()["refresh_token"]
    assert "set-cookie" not in response.headers


def test_google_web_login_json_by_accept_header(client: TestClient, fake: FakeProviders) -> None:
    started = _authorize(client, "google")
    code, state = fake.approve(started["authorization_url"], fake.google_id_token("g-web"))
    response = client.get(
        "/api/v1/auth/google/callback",
        params={"code": code, "state": state},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["user"]["email"] == "g-web@gmail.test"


def test_state_errors_create_nothing(client: TestClient, fake: FakeProviders, context: AppContext) -> None:
    kakao = _authorize(client, "kakao")
    code, _state = fake.approve(kakao["authorization_url"], fake.kakao_user(6006))
    cases = [
        ({"code": code}, "state_missing"),
        ({"code": code, "state": "made-up-state"}, "state_invalid"),
        ({"code": code, "state": "x" * 300}, "state_invalid"),
    ]
    for params, expected in cases:
        response = client.get("/api/v1/auth/kakao/callback", params=params)
        assert response.status_code == 400 and response.json()["code"] == expected, response.text
    # A Naver state presented to the Kakao callback is refused (and burnt).
    naver = _authorize(client, "naver")
    wrong = client.get("/api/v1/auth/kakao/callback", params={"code": code, "state": naver["state"]})
    assert wrong.status_code == 400 and wrong.json()["code"] == "state_provider_mismatch"
    again = client.get("/api/v1/auth/naver/callback", params={"code": code, "state": naver["state"]})
    assert again.status_code == 400 and again.json()["code"] == "state_invalid"
    assert _users(context) == 0 and fake.hits == []


def test_expired_state_is_400(client: TestClient, fake: FakeProviders, context: AppContext) -> None:
    """A state past its 10 minutes is refused like an unknown one, on both stores."""
    started = _authorize(client, "kakao", response_mode="json")
    code, state = fake.approve(started["authorization_url"], fake.kakao_user(6116))
    if context.redis is not None:
        key = f"{context.settings.redis_prefix}oauth:state:{state}"
        assert context.redis.pexpire(key, 1)
        time.sleep(0.05)
    else:
        with context.session_factory() as session:
            row = session.get(OAuthStateRow, state)
            assert row is not None
            row.expires_at = utcnow() - timedelta(seconds=1)
            session.commit()
    response = client.get("/api/v1/auth/kakao/callback", params={"code": code, "state": state})
    assert response.status_code == 400 and response.json()["code"] == "state_invalid", response.text
    assert _users(context) == 0 and fake.hits == []


def test_callback_provider_failures(client: TestClient, fake: FakeProviders, context: AppContext) -> None:
    denied = _authorize(client, "kakao", response_mode="json")
    response = client.get(
        "/api/v1/auth/kakao/callback",
        params={
            "state": denied["state"],
            "error": "access_denied",
            "error_description": "User denied access",
        },
    )
    assert response.status_code == 401 and "User denied access" in response.json()["detail"]
    assert response.json()["code"] == "provider_denied"
    assert response.headers["www-authenticate"].startswith("Bearer")

    bad_code = _authorize(client, "kakao", response_mode="json")
    response = client.get(
        "/api/v1/auth/kakao/callback", params={"state": bad_code["state"], "code": "forged"}
    )
    assert response.status_code == 401 and "authorization code not found" in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")

    google = _authorize(client, "google", response_mode="json")
    response = client.get("/api/v1/auth/google/callback", params={"state": google["state"], "code": "forged"})
    assert response.status_code == 401 and "Bad Request" in response.json()["detail"]

    naver = _authorize(client, "naver", response_mode="json")
    response = client.get("/api/v1/auth/naver/callback", params={"state": naver["state"], "code": "forged"})
    assert response.status_code == 401 and response.json()["code"] == "provider_token_invalid"

    slow = _authorize(client, "kakao", response_mode="json")
    code, state = fake.approve(slow["authorization_url"], fake.kakao_user(7007))
    fake.fault = "timeout"
    response = client.get("/api/v1/auth/kakao/callback", params={"state": state, "code": code})
    assert response.status_code == 502 and "did not answer" in response.json()["detail"]
    assert _users(context) == 0


def test_browser_failures_redirect_to_the_frontend(
    client: TestClient, fake: FakeProviders, context: AppContext
) -> None:
    started = _authorize(client, "kakao")
    response = client.get(
        "/api/v1/auth/kakao/callback",
        params={"state": started["state"], "error": "access_denied"},
        follow_redirects=False,
    )
    assert response.status_code == 302
    assert response.headers["location"] == f"{FRONTEND}/#/login?error=provider_denied"
    with context.session_factory() as session:
        audit = session.scalars(select(LoginAudit)).one()
        assert (audit.success, audit.failure_code, audit.flow) == (False, "provider_denied", "web")
    assert "set-cookie" not in response.headers
    slow = _authorize(client, "kakao")
    code, state = fake.approve(slow["authorization_url"], fake.kakao_user(7117))
    fake.fault = "500"
    response = client.get(
        "/api/v1/auth/kakao/callback", params={"state": state, "code": code}, follow_redirects=False
    )
    assert response.headers["location"] == f"{FRONTEND}/#/login?error=provider_unavailable"


def test_pkce_verifier_is_sent(client: TestClient, fake: FakeProviders) -> None:
    """The fake token endpoint checks S256(code_verifier) against the challenge: a wrong one fails."""
    started = _authorize(client, "kakao", response_mode="json")
    code, state = fake.approve(started["authorization_url"], fake.kakao_user(8008))
    fake.codes[code].code_challenge = "not-the-challenge"
    response = client.get("/api/v1/auth/kakao/callback", params={"state": state, "code": code})
    assert response.status_code == 401


def test_allow_lists(client: TestClient, context: AppContext) -> None:
    evil = client.get("/api/v1/auth/kakao/authorize", params={"frontend_origin": "https://evil.example"})
    assert evil.status_code == 400 and evil.json()["code"] == "frontend_origin_not_allowed"
    header = client.get("/api/v1/auth/kakao/authorize", headers={"X-Frontend-Origin": "https://evil.example"})
    assert header.status_code == 400
    redirect = client.get("/api/v1/auth/kakao/authorize", params={"redirect_uri": "https://evil.example/cb"})
    assert redirect.status_code == 400 and redirect.json()["code"] == "redirect_uri_not_allowed"
    ok = client.get("/api/v1/auth/kakao/authorize", params={"frontend_origin": FRONTEND + "/"})
    assert ok.status_code == 200
    assert client.get("/api/v1/auth/kakao/authorize", params={"response_mode": "popup"}).status_code == 422


def test_allowed_redirect_uri_is_used_for_the_exchange(client: TestClient, fake: FakeProviders) -> None:
    callback_uri = "https://m.example.test/auth/kakao/callback"
    started = _authorize(client, "kakao", redirect_uri=callback_uri, response_mode="json")
    assert parse_qs(urlsplit(started["authorization_url"]).query)["redirect_uri"] == [callback_uri]
    code, state = fake.approve(started["authorization_url"], fake.kakao_user(8118))
    # The fake token endpoint insists on the same redirect_uri as the authorize request.
    assert client.get("/api/v1/auth/kakao/callback", params={"state": state, "code": code}).status_code == 200


def test_redirect_mode_needs_a_frontend(
    make_settings: Any, migrated_postgres_url: str, fake: FakeProviders
) -> None:
    from api.main import create_app

    settings = make_settings(database_url=migrated_postgres_url, **fake.settings())
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        response = client.get("/api/v1/auth/kakao/authorize")
        assert response.status_code == 400 and response.json()["code"] == "frontend_not_configured"
        assert client.get("/api/v1/auth/kakao/authorize", params={"response_mode": "json"}).status_code == 200


def test_redis_down_is_503(make_settings: Any, migrated_postgres_url: str, fake: FakeProviders) -> None:
    from api.main import create_app

    settings = make_settings(
        database_url=migrated_postgres_url, redis_url="redis://127.0.0.1:1/0", **fake.settings()
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/auth/kakao/authorize", params={"response_mode": "json"})
        assert response.status_code == 503 and response.json()["code"] == "state_store_down"
        callback = client.get("/api/v1/auth/kakao/callback", params={"state": "s", "code": "c"})
        assert callback.status_code == 503


def test_refused_client_credentials_are_our_fault_502(
    client: TestClient, fake: FakeProviders, context: AppContext
) -> None:
    start = _authorize(client, "kakao", response_mode="json")
    code, state = fake.approve(start["authorization_url"], fake.kakao_user(8008))
    # A deploy with the wrong REST API key: Kakao answers 401 invalid_client to the exchange.
    context.settings.kakao_client_id = "not-our-rest-api-key"
    response = client.get("/api/v1/auth/kakao/callback", params={"state": state, "code": code})
    assert response.status_code == 502, response.text
    body = response.json()
    assert body["code"] == "provider_misconfigured"
    assert "client credentials" in body["detail"] and "Not exist client_id" in body["detail"]
    assert _users(context) == 0
