"""Login CSRF (issue 15, row 8): a callback URL only finishes the login in the client that started it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.auth.binding import BINDING_COOKIE, BINDING_HEADER
from api.auth.state import PendingLogin, new_state, state_store
from api.context import AppContext
from api.users.models import User
from tests.api.auth.conftest import FRONTEND
from tests.api.auth.fakes import FakeProviders

pytestmark = pytest.mark.services


@pytest.fixture(params=["database", "redis"])
def auth_overrides(request: pytest.FixtureRequest, fake: FakeProviders) -> dict[str, Any]:
    overrides = {**fake.settings(), "auth_frontend_origins": [FRONTEND]}
    if request.param == "redis":
        overrides |= {
            "redis_url": request.getfixturevalue("redis_url"),
            "redis_prefix": request.getfixturevalue("redis_prefix"),
        }
    return overrides


def _browser(client: TestClient) -> TestClient:
    """Another browser on the same server: its own cookie jar."""
    return TestClient(client.app, base_url="https://testserver")


def _users(context: AppContext) -> list[str]:
    with context.session_factory() as session:
        return list(session.scalars(select(User.nickname)))


def test_attackers_callback_url_does_not_log_the_victim_in(
    client: TestClient, fake: FakeProviders, context: AppContext
) -> None:
    attacker = client
    started = attacker.get("/api/v1/auth/kakao/authorize").json()
    code, state = fake.approve(started["authorization_url"], fake.kakao_user(6660, nickname="공격자"))
    with _browser(client) as victim:
        # The victim's browser may even hold a binding of its own, from a login it started.
        assert victim.get("/api/v1/auth/naver/authorize").status_code == 200
        assert victim.cookies.get(BINDING_COOKIE) not in (None, attacker.cookies.get(BINDING_COOKIE))
        opened = victim.get(
            "/api/v1/auth/kakao/callback", params={"code": code, "state": state}, follow_redirects=False
        )
        assert opened.status_code == 400, opened.text
        assert opened.json()["code"] == "login_not_bound"
        assert not any(c.startswith("waste_") for c in opened.headers.get_list("set-cookie"))
        assert victim.get("/api/v1/users/me").status_code == 401
    # Nothing was created, the provider was never asked, and the state is burnt for the attacker too.
    assert _users(context) == [] and fake.hits == []
    again = attacker.get("/api/v1/auth/kakao/callback", params={"code": code, "state": state})
    assert again.status_code == 400 and again.json()["code"] == "state_invalid"


def test_the_binding_cookie_is_httponly_and_scoped_to_auth(client: TestClient, fake: FakeProviders) -> None:
    response = client.get("/api/v1/auth/kakao/authorize")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{BINDING_COOKIE}="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
    assert "Path=/api/v1/auth" in cookie and "Max-Age=600" in cookie
    assert response.json()["binding"] == client.cookies.get(BINDING_COOKIE)
    # Two logins started in two tabs of one browser share its binding, so both can finish.
    second = client.get("/api/v1/auth/google/authorize").json()
    assert second["binding"] == response.json()["binding"]
    plain = TestClient(client.app).get("/api/v1/auth/kakao/authorize")
    assert "Secure" not in next(c for c in plain.headers.get_list("set-cookie") if "waste_login" in c)


def test_the_browser_that_started_the_login_finishes_it(client: TestClient, fake: FakeProviders) -> None:
    started = client.get("/api/v1/auth/kakao/authorize").json()
    code, state = fake.approve(started["authorization_url"], fake.kakao_user(6661, nickname="본인"))
    callback = client.get(
        "/api/v1/auth/kakao/callback", params={"code": code, "state": state}, follow_redirects=False
    )
    assert callback.status_code == 302 and callback.headers["location"] == f"{FRONTEND}/"
    assert client.get("/api/v1/users/me").json()["nickname"] == "본인"


def test_an_app_without_cookies_binds_with_the_header(client: TestClient, fake: FakeProviders) -> None:
    """Apps that run the web flow in a browser tab and call the callback themselves keep working."""
    started = client.get("/api/v1/auth/google/authorize", params={"response_mode": "json"}).json()
    client.cookies.clear()
    code, state = fake.approve(started["authorization_url"], fake.google_id_token("g-app"))
    wrong = client.get(
        "/api/v1/auth/google/callback",
        params={"code": code, "state": state},
        headers={BINDING_HEADER: "x" * 43},
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "login_not_bound"
    started = client.get("/api/v1/auth/google/authorize", params={"response_mode": "json"}).json()
    client.cookies.clear()
    code, state = fake.approve(started["authorization_url"], fake.google_id_token("g-app"))
    response = client.get(
        "/api/v1/auth/google/callback",
        params={"code": code, "state": state},
        headers={BINDING_HEADER: started["binding"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["user"]["email"] == "g-app@gmail.test"


def test_a_state_stored_without_binding_is_refused(
    client: TestClient, fake: FakeProviders, context: AppContext
) -> None:
    """States saved before this change (no `binding`) cannot be finished by anyone."""
    assert client.get("/api/v1/auth/kakao/authorize").status_code == 200  # the browser has a binding
    legacy = new_state()
    with context.session_factory() as session:
        state_store(context, session).save(
            PendingLogin(
                state=legacy, provider="kakao", redirect_uri="https://testserver/cb",
                code_verifier=None, frontend_origin=FRONTEND, response_mode="json", device_id=None,
            ),
            600,
        )  # fmt: skip
    response = client.get("/api/v1/auth/kakao/callback", params={"code": "c", "state": legacy})
    assert response.status_code == 400 and response.json()["code"] == "login_not_bound"
    with context.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
