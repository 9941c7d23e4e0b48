"""`/users/me`: read, update (nickname rules), delete (personal data, links, sessions)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.account.service import delete_account
from api.auth.models import AuthSession, LoginAudit, SocialAccount
from api.context import AppContext
from api.db import utcnow
from api.users.models import User

pytestmark = pytest.mark.services
Headers = Callable[[str], dict[str, str]]


def test_read_me(client: TestClient, auth_headers: Headers) -> None:
    body = client.get("/api/v1/users/me", headers=auth_headers("alice")).json()
    assert body["nickname"] == "alice" and body["email"] is None and body["last_login_at"]


@pytest.mark.parametrize(
    "nickname",
    ["분리수거왕", "eco_friend-1", "Mr. Green", "ab", "a" * 20],
)
def test_patch_valid_nicknames(client: TestClient, auth_headers: Headers, nickname: str) -> None:
    headers = auth_headers("alice")
    response = client.patch("/api/v1/users/me", json={"nickname": nickname}, headers=headers)
    assert response.status_code == 200, response.text
    assert client.get("/api/v1/users/me", headers=headers).json()["nickname"] == nickname


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"nickname": "a"}, "at least 2"),
        ({"nickname": "a" * 21}, "at most 20"),
        ({"nickname": "bad<script>"}, "pattern"),
        ({"nickname": "emoji🙂"}, "pattern"),
        ({"nickname": " padded"}, "start or end with a space"),
        ({"nickname": "two  spaces"}, "consecutive spaces"),
        ({"nickname": "Admin"}, "reserved"),
        ({"nickname": None}, "cannot be null"),
        ({"nickname": 42}, "string"),
        ({"profile_image_url": "javascript:alert(1)"}, "pattern"),
        ({"email": "x@y.z"}, "Extra inputs"),
        ({}, "nothing to update"),
    ],
)
def test_patch_rejects_bad_input(
    client: TestClient, auth_headers: Headers, payload: dict[str, object], reason: str
) -> None:
    headers = auth_headers("alice")
    response = client.patch("/api/v1/users/me", json=payload, headers=headers)
    assert response.status_code == 422, response.text
    assert reason in response.text
    assert client.get("/api/v1/users/me", headers=headers).json()["nickname"] == "alice"


def test_patch_profile_image(client: TestClient, auth_headers: Headers) -> None:
    headers = auth_headers("alice")
    url = "https://cdn.example.test/me.png"
    assert (
        client.patch("/api/v1/users/me", json={"profile_image_url": url}, headers=headers).status_code == 200
    )
    assert client.get("/api/v1/users/me", headers=headers).json()["profile_image_url"] == url
    cleared = client.patch("/api/v1/users/me", json={"profile_image_url": None}, headers=headers)
    assert cleared.json()["profile_image_url"] is None


def _count(session: Session, model: type, user_id: uuid.UUID) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id)) or 0)  # type: ignore[attr-defined]


def test_delete_me(client: TestClient, auth_headers: Headers, context: AppContext) -> None:
    headers = auth_headers("leaver")
    second_device = auth_headers("leaver")
    keeper = auth_headers("keeper")
    user_id = uuid.UUID(client.get("/api/v1/users/me", headers=headers).json()["id"])
    with context.session_factory() as session:
        session.add(
            SocialAccount(
                id=uuid.uuid4(),
                user_id=user_id,
                provider="kakao",
                provider_user_id="del-1",
                email="leaver@kakao.test",
                created_at=utcnow(),
            )
        )
        session.commit()
    assert client.delete("/api/v1/users/me", headers=headers).status_code == 204
    for h in (headers, second_device):
        assert client.get("/api/v1/users/me", headers=h).status_code == 401
    assert client.get("/api/v1/users/me", headers=keeper).status_code == 200
    with context.session_factory() as session:
        assert session.get(User, user_id) is None
        for model in (SocialAccount, AuthSession, LoginAudit):
            assert _count(session, model, user_id) == 0
    assert client.delete("/api/v1/users/me", headers=headers).status_code == 401


def test_failing_eraser_deletes_nothing(context: AppContext) -> None:
    with context.session_factory() as session:
        user = User(id=uuid.uuid4(), nickname="stays", created_at=utcnow())
        session.add(user)
        session.commit()
        user_id = user.id  # the failed deletion rolls back and expires `user`

        def broken(_session: Session, _user_id: uuid.UUID) -> None:
            raise RuntimeError("scans storage unavailable")

        with pytest.raises(RuntimeError):
            delete_account(session, user=user, erasers={"scans": broken})
    with context.session_factory() as session:
        assert session.get(User, user_id) is not None


def test_users_endpoints_need_a_token(client: TestClient) -> None:
    assert client.patch("/api/v1/users/me", json={"nickname": "x1"}).status_code == 401
    assert client.delete("/api/v1/users/me").status_code == 401
