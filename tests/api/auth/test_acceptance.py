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
    cookies = {c.split("=", 1)[0]: c for c in callback.headers.get_list("set-cookie")}
    assert set(cookies) == {"waste_access", "waste_refresh"}
    for cookie in cookies.values():
        assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie, cookie
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
    revoked = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {refreshed['access_token']}"})
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]

    # 4. Log in again and log out.
    again = client.post("/api/v1/auth/naver/token", json={"access_token": fake.naver_user("n-acc")}).json()
    headers = {"Authorization": f"Bearer {again['access_token']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401
    assert (
        client.post("/api/v1/auth/refresh", json={"refresh_token": again["refresh_token"]}).status_code == 401
    )


def test_openapi_documents_every_endpoint_with_errors(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        ("/api/v1/auth/{provider}/authorize", "get"): {"400", "404", "429"},
        ("/api/v1/auth/{provider}/callback", "get"): {"302", "400", "401", "404", "429", "502"},
        ("/api/v1/auth/{provider}/token", "post"): {"401", "404", "409", "422", "429", "502"},
        ("/api/v1/auth/refresh", "post"): {"401", "429"},
        ("/api/v1/auth/logout", "post"): {"401"},
        ("/api/v1/auth/sessions", "get"): {"401"},
        ("/api/v1/auth/sessions/{session_id}", "delete"): {"401", "404"},
        ("/api/v1/auth/dev/token", "post"): {"404", "429"},
        ("/api/v1/users/me", "get"): {"401"},
        ("/api/v1/users/me", "patch"): {"401", "422"},
        ("/api/v1/users/me", "delete"): {"401", "503"},
        ("/api/v1/users/me/stats", "get"): {"401"},
    }
    for (path, method), codes in expected.items():
        assert codes <= set(paths[path][method]["responses"]), (path, method)
    # Every auth/users operation is listed above, and each error documents the `{detail, code}` body.
    operations = {
        (path, method)
        for path, item in paths.items()
        if path.startswith(("/api/v1/auth/", "/api/v1/users/"))
        for method in item
    }
    assert operations == set(expected)
    for path, method in operations:
        for status, response in paths[path][method]["responses"].items():
            if status[0] in "45" and status != "422":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, method, status)
