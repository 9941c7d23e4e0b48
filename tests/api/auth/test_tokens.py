"""Our access tokens: every kind of bad token is a 401 with a `WWW-Authenticate` challenge."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from api.auth.tokens import InvalidToken, decode_token, issue_token
from api.settings import Settings

pytestmark = pytest.mark.services


def _dev_login(client: TestClient, nickname: str = "tester") -> dict[str, str]:
    response = client.post("/api/v1/auth/dev/token", json={"nickname": nickname})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _claims(settings: Settings, sub: str, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sid": str(uuid.uuid4()),
        "sub": sub,
        "jti": uuid.uuid4().hex,
        "type": "access",
        "provider": "dev",
        "iat": now,
        "exp": now + 600,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    claims.update(overrides)
    return claims


def test_issue_and_decode_roundtrip(settings: Settings) -> None:
    user_id, sid = uuid.uuid4(), uuid.uuid4()
    token, issued = issue_token(
        settings, user_id=user_id, token_type="refresh", provider="kakao", session_id=sid
    )
    claims = decode_token(settings, token, expected_type="refresh")
    assert (claims.sub, claims.sid, claims.jti, claims.provider) == (user_id, sid, issued.jti, "kakao")
    payload = jwt.decode(token, options={"verify_signature": False})
    assert set(payload) == {"sub", "jti", "type", "iat", "exp", "iss", "aud", "provider", "sid"}
    assert payload["exp"] - payload["iat"] == settings.refresh_token_ttl_seconds
    with pytest.raises(InvalidToken, match="expected an access token"):
        decode_token(settings, token, expected_type="access")


def test_bad_access_tokens_are_401(client: TestClient, settings: Settings) -> None:
    login = _dev_login(client)
    user_id, sid = login["user"]["id"], login["session_id"]  # type: ignore[index]
    secret = settings.jwt_secret.get_secret_value()
    past = int(time.time()) - 3600
    cases: dict[str, Callable[[], str]] = {
        "token expired": lambda: jwt.encode(_claims(settings, user_id, iat=past - 600, exp=past), secret),
        "invalid token": lambda: "not.a.jwt",
        "Signature verification failed": lambda: jwt.encode(
            _claims(settings, user_id), "another-secret-" * 3
        ),
        "alg": lambda: jwt.encode(_claims(settings, user_id), None, algorithm="none"),
        "audience": lambda: jwt.encode(_claims(settings, user_id, aud="someone-else"), secret),
        "issuer": lambda: jwt.encode(_claims(settings, user_id, iss="https://evil.example"), secret),
        "expected an access token": lambda: jwt.encode(_claims(settings, user_id, type="refresh"), secret),
        "no longer exists": lambda: jwt.encode(_claims(settings, str(uuid.uuid4()), sid=sid), secret),
        # Well signed, a live user, no `sid`: it could never be revoked, so it is refused.
        "token has no session": lambda: jwt.encode(
            {k: v for k, v in _claims(settings, user_id).items() if k != "sid"}, secret
        ),
        "session has been revoked": lambda: jwt.encode(_claims(settings, user_id), secret),
    }
    for expected, make in cases.items():
        response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {make()}"})
        assert response.status_code == 401, (expected, response.text)
        assert expected in response.json()["detail"], (expected, response.json())
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_missing_token_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/users/me")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_access_token_from_cookie(client: TestClient) -> None:
    token = _dev_login(client)["access_token"]
    client.cookies.set("waste_access", token)
    assert client.get("/api/v1/users/me").json()["nickname"] == "tester"


def test_token_ttls_are_configurable(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(access_token_ttl_seconds=60, refresh_token_ttl_seconds=120)
    now = datetime.now(UTC)
    _, claims = issue_token(
        settings, user_id=uuid.uuid4(), token_type="access", provider="dev", now=now, session_id=uuid.uuid4()
    )
    assert claims.expires_at - now == timedelta(seconds=60)


def test_token_text_echoed_in_the_challenge_stays_encodable(client: TestClient) -> None:
    """PyJWT echoes an unverified `crit` header value; non-Latin-1 text there was a 500."""

    def segment(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    header = segment({"alg": "HS256", "crit": ["한글", 'a"b']})
    token = f"{header}.{segment({'sub': 'x'})}.c2ln"
    for response in (
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}),
        client.post("/api/v1/auth/refresh", json={"refresh_token": token}),
    ):
        assert response.status_code == 401, response.text
        assert "한글" in response.json()["detail"]
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith('Bearer error="invalid_token", error_description="invalid token:')
        assert challenge.count('"') == 4 and challenge.isascii()
