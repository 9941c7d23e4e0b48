"""`POST /auth/{provider}/token`: provider tokens verified against the fake providers."""

from __future__ import annotations

import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.auth.models import AuthSession, LoginAudit, SocialAccount
from api.context import AppContext
from api.users.models import User
from tests.api.auth.fakes import FakeProviders

pytestmark = pytest.mark.services


def _count(context: AppContext, model: type) -> int:
    with context.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _assert_nothing_created(context: AppContext) -> None:
    assert [_count(context, m) for m in (User, SocialAccount, AuthSession)] == [0, 0, 0]
    with context.session_factory() as session:
        assert all(not a.success and a.user_id is None for a in session.scalars(select(LoginAudit)))


def _assert_401(response: object, code: str, text: str) -> None:
    assert response.status_code == 401, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["code"] == code and text in body["detail"], body
    assert response.headers["www-authenticate"].startswith("Bearer")  # type: ignore[attr-defined]


def test_naver_token_creates_user_and_session(
    client: TestClient, fake: FakeProviders, context: AppContext
) -> None:
    token = fake.naver_user("naver-abc", nickname="분리수거왕")
    response = client.post(
        "/api/v1/auth/naver/token",
        json={"access_token": token, "device_id": "pixel-8"},
        headers={"User-Agent": "WasteCoach/1.0 Android"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    assert body["user"]["nickname"] == "분리수거왕" and body["user"]["email"] == "naver-abc@naver.test"
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == body["user"]["id"]
    with context.session_factory() as session:
        auth_session = session.scalars(select(AuthSession)).one()
        assert (auth_session.device_id, auth_session.provider) == ("pixel-8", "naver")
        audit = session.scalars(select(LoginAudit)).one()
        assert (audit.flow, audit.user_agent) == ("mobile", "WasteCoach/1.0 Android")
    # The same Naver account logs in again: same user, a second session.
    again = client.post("/api/v1/auth/naver/token", json={"access_token": token}).json()
    assert again["user"]["id"] == body["user"]["id"] and again["session_id"] != body["session_id"]
    assert _count(context, User) == 1


def test_kakao_token_checks_app_id(client: TestClient, fake: FakeProviders, context: AppContext) -> None:
    ours = fake.kakao_user(1001, nickname="카카오")
    response = client.post("/api/v1/auth/kakao/token", json={"access_token": ours})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["email"] == "user1001@kakao.test"
    with context.session_factory() as session:
        account = session.scalars(select(SocialAccount)).one()
        assert (account.provider, account.provider_user_id) == ("kakao", "1001")

    foreign = fake.kakao_user(1002, app_id="999999")
    _assert_401(
        client.post("/api/v1/auth/kakao/token", json={"access_token": foreign}),
        "provider_app_mismatch",
        "another app",
    )
    assert _count(context, User) == 1
    with context.session_factory() as session:
        audits = {(a.success, a.failure_code, a.flow) for a in session.scalars(select(LoginAudit))}
    assert audits == {(True, None, "mobile"), (False, "provider_app_mismatch", "mobile")}


def test_google_id_token_verified_with_jwks(client: TestClient, fake: FakeProviders) -> None:
    response = client.post("/api/v1/auth/google/token", json={"id_token": fake.google_id_token("g-1")})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["email"] == "g-1@gmail.test"
    assert fake.hits.count("/google/certs") == 1
    # The keys are cached: a second login does not fetch the JWKS again.
    assert (
        client.post("/api/v1/auth/google/token", json={"id_token": fake.google_id_token("g-2")}).status_code
        == 200
    )
    assert fake.hits.count("/google/certs") == 1


@pytest.mark.parametrize(
    ("overrides", "code", "text"),
    [
        ({"aud": "someone-else.apps.googleusercontent.com"}, "provider_app_mismatch", "another app"),
        ({"iss": "https://evil.example"}, "provider_token_invalid", "not issued by Google"),
        (
            {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
            "provider_token_invalid",
            "expired",
        ),
        ({"kid": "unknown-kid"}, "provider_token_invalid", "unknown key"),
    ],
)
def test_google_bad_id_tokens(
    client: TestClient,
    *,
    fake: FakeProviders,
    context: AppContext,
    overrides: dict[str, object],
    code: str,
    text: str,
) -> None:
    token = fake.google_id_token("g-bad", **overrides)
    _assert_401(client.post("/api/v1/auth/google/token", json={"id_token": token}), code, text)
    _assert_nothing_created(context)


def test_google_wrongly_signed_and_unsigned(
    client: TestClient, fake: FakeProviders, context: AppContext
) -> None:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = fake.google_id_token("g-x", key=other_key)
    _assert_401(
        client.post("/api/v1/auth/google/token", json={"id_token": forged}),
        "provider_token_invalid",
        "invalid",
    )
    import jwt

    unsigned = jwt.encode(
        {"sub": "g-x", "aud": "web-client.apps.googleusercontent.com"}, None, algorithm="none"
    )
    _assert_401(
        client.post("/api/v1/auth/google/token", json={"id_token": unsigned}),
        "provider_token_invalid",
        "RS256",
    )
    _assert_401(
        client.post("/api/v1/auth/google/token", json={"id_token": "not-a-jwt"}),
        "provider_token_invalid",
        "malformed",
    )
    _assert_nothing_created(context)


def test_provider_error_shapes(client: TestClient, fake: FakeProviders, context: AppContext) -> None:
    # Kakao {"code": -401} for an unknown token.
    _assert_401(
        client.post("/api/v1/auth/kakao/token", json={"access_token": "expired"}),
        "provider_token_invalid",
        "this access token does not exist",
    )
    # Naver resultcode "024" (HTTP 401) and a Naver token of another app.
    _assert_401(
        client.post("/api/v1/auth/naver/token", json={"access_token": "nope"}),
        "provider_token_invalid",
        "024",
    )
    other_app = fake.naver_user("naver-z", client_id="another-client")
    _assert_401(
        client.post("/api/v1/auth/naver/token", json={"access_token": other_app}),
        "provider_app_mismatch",
        "another app",
    )
    _assert_nothing_created(context)


def test_naver_error_with_http_200(client: TestClient, fake: FakeProviders, context: AppContext) -> None:
    """Naver may answer a failure with HTTP 200 and resultcode != "00"."""
    fake.server.clear()
    fake.server.expect_request("/openapi/v1/nid/verify").respond_with_json(
        {"resultcode": "028", "message": "Authentication header not exists"}
    )
    response = client.post("/api/v1/auth/naver/token", json={"access_token": "whatever"})
    _assert_401(response, "provider_token_invalid", "028")
    _assert_nothing_created(context)


@pytest.mark.parametrize(("resultcode", "message"), [("500", "Internal Server Error"), ("403", "Forbidden")])
def test_naver_server_side_resultcodes_are_502(
    client: TestClient, fake: FakeProviders, context: AppContext, resultcode: str, message: str
) -> None:
    """A Naver failure that is not about the token (HTTP 200, resultcode 500/403) is not a 401."""
    fake.server.clear()
    fake.server.expect_request("/openapi/v1/nid/verify").respond_with_json(
        {"resultcode": resultcode, "message": message}
    )
    response = client.post("/api/v1/auth/naver/token", json={"access_token": "whatever"})
    assert response.status_code == 502, response.text
    assert response.json() == {
        "detail": f"naver API error {resultcode}: {message}",
        "code": "provider_unavailable",
    }
    assert "www-authenticate" not in response.headers
    _assert_nothing_created(context)


@pytest.mark.parametrize("fault", ["timeout", "500", "html"])
def test_provider_outage_is_502_without_partial_user(
    client: TestClient, fake: FakeProviders, context: AppContext, fault: str
) -> None:
    token = fake.kakao_user(2002)
    fake.fault = fault
    response = client.post("/api/v1/auth/kakao/token", json={"access_token": token})
    assert response.status_code == 502, response.text
    assert response.json()["code"] == "provider_unavailable"
    assert "kakao" in response.json()["detail"]
    _assert_nothing_created(context)


def test_google_jwks_outage_is_502(client: TestClient, fake: FakeProviders, context: AppContext) -> None:
    fake.fault = "500"
    response = client.post("/api/v1/auth/google/token", json={"id_token": fake.google_id_token("g-3")})
    assert response.status_code == 502 and response.json()["code"] == "provider_unavailable"
    _assert_nothing_created(context)


def test_unsupported_and_disabled_providers(client: TestClient, context: AppContext) -> None:
    response = client.post("/api/v1/auth/facebook/token", json={"access_token": "x"})
    assert response.status_code == 404 and response.json()["code"] == "unsupported_provider"
    assert client.get("/api/v1/auth/apple/authorize").status_code == 404
    assert client.get("/api/v1/auth/apple/callback?state=x&code=y").status_code == 404


def test_disabled_provider_is_404(make_settings: object, migrated_postgres_url: str) -> None:
    from api.main import create_app

    settings = make_settings(database_url=migrated_postgres_url)  # type: ignore[operator]
    with TestClient(create_app(settings)) as client:
        response = client.post("/api/v1/auth/kakao/token", json={"access_token": "x"})
    assert response.status_code == 404 and response.json()["code"] == "provider_disabled"


def test_missing_or_wrong_token_field_is_422(client: TestClient, context: AppContext) -> None:
    assert client.post("/api/v1/auth/google/token", json={"access_token": "x"}).status_code == 422
    assert client.post("/api/v1/auth/kakao/token", json={}).status_code == 422
    assert client.post("/api/v1/auth/naver/token", json={"access_token": ""}).status_code == 422
    assert client.post("/api/v1/auth/naver/token", content=b"{not json").status_code == 422
    _assert_nothing_created(context)


def test_linking_a_second_provider(client: TestClient, fake: FakeProviders, context: AppContext) -> None:
    first = client.post("/api/v1/auth/kakao/token", json={"access_token": fake.kakao_user(3003)}).json()
    headers = {"Authorization": f"Bearer {first['access_token']}"}
    linked = client.post(
        "/api/v1/auth/google/token", json={"id_token": fake.google_id_token("g-link")}, headers=headers
    )
    assert linked.status_code == 200 and linked.json()["user"]["id"] == first["user"]["id"]
    # Logging in with Google alone now finds the same user.
    alone = client.post("/api/v1/auth/google/token", json={"id_token": fake.google_id_token("g-link")}).json()
    assert alone["user"]["id"] == first["user"]["id"]
    # That Google account cannot be linked to somebody else.
    other = client.post("/api/v1/auth/naver/token", json={"access_token": fake.naver_user("n-other")}).json()
    conflict = client.post(
        "/api/v1/auth/google/token",
        json={"id_token": fake.google_id_token("g-link")},
        headers={"Authorization": f"Bearer {other['access_token']}"},
    )
    assert conflict.status_code == 409 and conflict.json()["code"] == "account_already_linked"
    assert _count(context, User) == 2 and _count(context, SocialAccount) == 3


def test_kakao_mobile_needs_app_id(
    make_settings: Any, migrated_postgres_url: str, fake: FakeProviders
) -> None:
    from api.main import create_app

    overrides = {**fake.settings(), "kakao_app_id": None}
    with TestClient(create_app(make_settings(database_url=migrated_postgres_url, **overrides))) as client:
        response = client.post("/api/v1/auth/kakao/token", json={"access_token": fake.kakao_user(4004)})
    assert response.status_code == 503 and "WASTE_KAKAO_APP_ID" in response.json()["detail"]
    assert fake.hits == []


@pytest.mark.parametrize(
    ("provider_nickname", "expected"),
    [("  🌱초록  지구🌍 ", "초록 지구"), ("🙂", None), ("admin", None), ("x" * 30, "x" * 20)],
)
def test_provider_nicknames_fit_our_rules(
    client: TestClient, fake: FakeProviders, provider_nickname: str, expected: str | None
) -> None:
    token = fake.kakao_user(4400 + len(provider_nickname), nickname=provider_nickname)
    nickname = client.post("/api/v1/auth/kakao/token", json={"access_token": token}).json()["user"][
        "nickname"
    ]
    if expected is None:
        assert nickname.startswith("kakao-") and len(nickname) == 12
    else:
        assert nickname == expected


def test_linking_with_a_revoked_session_is_401(client: TestClient, fake: FakeProviders) -> None:
    first = client.post("/api/v1/auth/kakao/token", json={"access_token": fake.kakao_user(3113)}).json()
    headers = {"Authorization": f"Bearer {first['access_token']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    response = client.post(
        "/api/v1/auth/google/token", json={"id_token": fake.google_id_token("g-late")}, headers=headers
    )
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
