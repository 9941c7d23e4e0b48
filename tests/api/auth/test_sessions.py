"""Dev login, refresh rotation with re-use detection, logout and the session list."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth.models import AuthSession
from api.context import AppContext
from api.settings import Settings

pytestmark = pytest.mark.services


def _login(client: TestClient, nickname: str = "tester") -> dict[str, object]:
    response = client.post("/api/v1/auth/dev/token", json={"nickname": nickname})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _bearer(body: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_dev_token_has_the_token_shape(client: TestClient) -> None:
    body = _login(client)
    assert set(body) == {
        "access_token",
        "refresh_token",
        "expires_in",
        "refresh_expires_in",
        "token_type",
        "session_id",
        "user",
    }
    assert body["expires_in"] == 900 and body["refresh_expires_in"] == 30 * 24 * 3600
    assert client.get("/api/v1/users/me", headers=_bearer(body)).status_code == 200


def test_dev_token_is_404_in_production(
    make_settings: Callable[..., Settings], migrated_postgres_url: str
) -> None:
    from api.main import create_app

    settings = make_settings(
        env="production", jwt_secret="x" * 40, database_url=migrated_postgres_url, dev_login=None
    )
    with TestClient(create_app(settings)) as client:
        response = client.post("/api/v1/auth/dev/token", json={"nickname": "tester"})
        paths = client.get("/openapi.json").json()["paths"]
    assert response.status_code == 404
    assert "/api/v1/auth/dev/token" not in paths
    assert "/api/v1/auth/refresh" in paths


def test_refresh_rotates_and_reuse_revokes_the_family(client: TestClient, context: AppContext) -> None:
    first = _login(client)
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["session_id"] == first["session_id"]
    assert rotated["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/users/me", headers=_bearer(rotated)).status_code == 200

    # Re-using the old refresh token: rejected, and the whole session dies.
    reuse = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401 and "already used" in reuse.json()["detail"]
    assert reuse.headers["www-authenticate"].startswith("Bearer")
    after = client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401 and "revoked" in after.json()["detail"]
    assert client.get("/api/v1/users/me", headers=_bearer(rotated)).status_code == 401
    with context.session_factory() as session:
        row = session.scalars(select(AuthSession)).one()
        assert row.revoked_reason == "refresh_token_reuse" and row.rotation_count == 1


def test_refresh_bad_input(client: TestClient) -> None:
    body = _login(client)
    for payload in ({}, {"refresh_token": "garbage"}, {"refresh_token": body["access_token"]}):
        response = client.post("/api/v1/auth/refresh", json=payload)
        assert response.status_code == 401, (payload, response.text)
        assert "www-authenticate" in response.headers
    assert client.post("/api/v1/auth/refresh").status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": 5}).status_code == 422


def test_logout_revokes_the_session(client: TestClient) -> None:
    body = _login(client)
    other = _login(client)  # a second device of the same user stays signed in
    assert client.post("/api/v1/auth/logout", headers=_bearer(body)).status_code == 204
    assert client.get("/api/v1/users/me", headers=_bearer(body)).status_code == 401
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert refresh.status_code == 401
    assert client.get("/api/v1/users/me", headers=_bearer(other)).status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 401


def test_logout_with_refresh_token_only(client: TestClient) -> None:
    body = _login(client)
    response = client.post("/api/v1/auth/logout", json={"refresh_token": body["refresh_token"]})
    assert response.status_code == 204
    assert client.get("/api/v1/users/me", headers=_bearer(body)).status_code == 401


def test_sessions_list_and_revoke(client: TestClient) -> None:
    first = _login(client)
    second = _login(client)
    listed = client.get("/api/v1/auth/sessions", headers=_bearer(second))
    assert listed.status_code == 200
    sessions = {s["id"]: s for s in listed.json()}
    assert set(sessions) == {first["session_id"], second["session_id"]}
    assert sessions[second["session_id"]]["current"] is True
    assert sessions[first["session_id"]]["current"] is False
    assert sessions[first["session_id"]]["provider"] == "dev"

    assert (
        client.delete(f"/api/v1/auth/sessions/{first['session_id']}", headers=_bearer(second)).status_code
        == 204
    )
    assert client.get("/api/v1/users/me", headers=_bearer(first)).status_code == 401
    assert [s["id"] for s in client.get("/api/v1/auth/sessions", headers=_bearer(second)).json()] == [
        second["session_id"]
    ]
    # Revoked, unknown, another user's, or not a UUID.
    again = client.delete(f"/api/v1/auth/sessions/{first['session_id']}", headers=_bearer(second))
    assert again.status_code == 404
    stranger = _login(client, "stranger")
    theirs = client.delete(f"/api/v1/auth/sessions/{second['session_id']}", headers=_bearer(stranger))
    assert theirs.status_code == 404
    assert client.delete("/api/v1/auth/sessions/not-a-uuid", headers=_bearer(second)).status_code == 422
    assert client.get("/api/v1/auth/sessions").status_code == 401


def test_dev_login_never_takes_over_a_linked_account(client: TestClient, context: AppContext) -> None:
    import uuid

    from api.auth.models import SocialAccount
    from api.db import utcnow
    from api.users.models import User

    with context.session_factory() as session:
        real = User(id=uuid.uuid4(), nickname="taken", created_at=utcnow())
        session.add(real)
        session.flush()
        session.add(
            SocialAccount(id=uuid.uuid4(), user_id=real.id, provider="naver", provider_user_id="n-taken")
        )
        session.commit()
    dev = _login(client, "taken")
    assert dev["user"]["id"] != str(real.id)  # type: ignore[index]
    assert _login(client, "taken")["user"]["id"] == dev["user"]["id"]  # type: ignore[index]
