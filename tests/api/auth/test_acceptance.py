"""The issue's acceptance scenario end to end, plus the OpenAPI contract."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.auth.conftest import FRONTEND
from tests.api.auth.fakes import FakeProviders

pytestmark = pytest.mark.services


def test_acceptance_scenario(client: TestClient, fake: FakeProviders) -> None:
    # 1. Web login against the fake Kakao: redirect to the frontend with cookies.
    started = client.get("/api/v1/auth/kakao/authorize").json()
    code, state = fake.approve(started["authorization_url"], fake.kakao_user(9009, nickname="웹유저"))
    callback = client.get(
        "/api/v1/auth/kakao/callback", params={"code": code, "state": state}, follow_redirects=False
    )
    assert callback.status_code == 302 and callback.headers["location"].startswith(FRONTEND)
    assert client.get("/api/v1/users/me").json()["nickname"] == "웹유저"
    # The refresh cookie refreshes (and is rotated) for the browser too.
    web_refresh = client.post("/api/v1/auth/refresh")
    assert web_refresh.status_code == 200 and "waste_refresh=" in web_refresh.headers["set-cookie"]
    client.cookies.clear()

    # 2. Mobile: exchange a fake Naver token on /token, call /users/me with the access token.
    tokens = client.post("/api/v1/auth/naver/token", json={"access_token": fake.naver_user("n-acc")}).json()
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200 and me.json()["email"] == "n-acc@naver.test"

    # 3. Refresh once; re-using the old refresh token is rejected and the new one dies too.
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).json()
    assert (
        client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code
        == 401
    )
    assert (
        client.post("/api/v1/auth/refresh", json={"refresh_token": refreshed["refresh_token"]}).status_code
        == 401
    )

    # 4. Log in again and log out.
    again = client.post("/api/v1/auth/naver/token", json={"access_token": fake.naver_user("n-acc")}).json()
    headers = {"Authorization": f"Bearer {again['access_token']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_openapi_documents_every_endpoint_with_errors(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        ("/api/v1/auth/{provider}/authorize", "get"): {"400", "404"},
        ("/api/v1/auth/{provider}/callback", "get"): {"302", "400", "401", "404", "502"},
        ("/api/v1/auth/{provider}/token", "post"): {"401", "404", "409", "422", "502"},
        ("/api/v1/auth/refresh", "post"): {"401"},
        ("/api/v1/auth/logout", "post"): {"401"},
        ("/api/v1/auth/sessions", "get"): {"401"},
        ("/api/v1/auth/sessions/{session_id}", "delete"): {"401", "404"},
        ("/api/v1/auth/dev/token", "post"): {"404"},
        ("/api/v1/users/me", "get"): {"401"},
        ("/api/v1/users/me", "patch"): {"401", "422"},
        ("/api/v1/users/me", "delete"): {"401"},
    }
    for (path, method), codes in expected.items():
        assert codes <= set(paths[path][method]["responses"]), (path, method)
