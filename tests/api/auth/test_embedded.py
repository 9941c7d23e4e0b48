"""The embedded profile: SQLite, no Redis. State lives in the database; the whole flow works."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from api import migrate
from api.settings import Settings
from tests.api.auth.fakes import FakeProviders


def test_web_and_mobile_login_on_sqlite(
    make_settings: Callable[..., Settings], fake: FakeProviders, auth_overrides: dict[str, Any]
) -> None:
    from api.main import create_app

    settings = make_settings(**auth_overrides)
    assert settings.resolved_database_url.startswith("sqlite")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.resolved_database_url)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        started = client.get("/api/v1/auth/kakao/authorize", params={"response_mode": "json"}).json()
        code, state = fake.approve(started["authorization_url"], fake.kakao_user(1212, nickname="임베디드"))
        web = client.get("/api/v1/auth/kakao/callback", params={"state": state, "code": code})
        assert web.status_code == 200, web.text
        replay = client.get("/api/v1/auth/kakao/callback", params={"state": state, "code": code})
        assert replay.status_code == 400

        mobile = client.post("/api/v1/auth/kakao/token", json={"access_token": fake.kakao_user(1212)}).json()
        assert mobile["user"]["id"] == web.json()["user"]["id"]
        headers = {"Authorization": f"Bearer {mobile['access_token']}"}
        assert len(client.get("/api/v1/auth/sessions", headers=headers).json()) == 2
        refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": mobile["refresh_token"]})
        assert refreshed.status_code == 200
        assert (
            client.post("/api/v1/auth/refresh", json={"refresh_token": mobile["refresh_token"]}).status_code
            == 401
        )
        dev = client.post("/api/v1/auth/dev/token", json={"nickname": "로컬"}).json()
        assert (
            client.delete(
                "/api/v1/users/me", headers={"Authorization": f"Bearer {dev['access_token']}"}
            ).status_code
            == 204
        )
