"""Secure defaults (issue 15, row 15): production unless a development profile is chosen explicitly."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.context import AppContext
from api.settings import PLACEHOLDER_JWT_SECRET, Settings, ToolSettings, load_settings
from tests.support.profile import TEST_JWT_SECRET

pytestmark = pytest.mark.services

REAL_SECRET = "a-real-random-secret-of-at-least-32-characters"


def _default(**values: object) -> Settings:
    """Settings as a bare deployment builds them: no WASTE_ENV, no .env, only what is passed."""
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_default_settings_refuse_the_placeholder_secret(migrated_postgres_url: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        _default(database_url=migrated_postgres_url, data_dir=tmp_path)
    message = str(info.value)
    assert "WASTE_ENV=production (the default)" in message
    assert "WASTE_JWT_SECRET" in message and "WASTE_ENV=development" in message
    with pytest.raises(ValidationError, match="WASTE_JWT_SECRET"):
        _default(jwt_secret=PLACEHOLDER_JWT_SECRET, database_url=migrated_postgres_url)


def test_only_the_development_profile_accepts_the_placeholder(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"WASTE_ENV=test: WASTE_JWT_SECRET"):
        _default(env="test", data_dir=tmp_path)
    development = _default(env="development", data_dir=tmp_path)
    assert development.jwt_secret.get_secret_value() == PLACEHOLDER_JWT_SECRET
    assert development.dev_login_enabled


def test_operator_tools_load_without_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """`wastectl queues` and migrations serve no request: they need no JWT secret."""
    monkeypatch.setenv("WASTE_BROKER_URL", "amqp://guest:guest@mq:5672//")
    tools = load_settings(serving=False, _env_file=None)
    assert isinstance(tools, ToolSettings) and tools.is_production and tools.broker_url
    with pytest.raises(ValidationError, match="WASTE_JWT_SECRET"):
        load_settings(_env_file=None)


def test_dev_login_cannot_be_enabled_in_production(migrated_postgres_url: str) -> None:
    with pytest.raises(ValidationError, match="WASTE_DEV_LOGIN"):
        _default(jwt_secret=REAL_SECRET, database_url=migrated_postgres_url, dev_login=True)


def _app_client(settings: Settings) -> TestClient:
    from api.main import create_app

    return TestClient(create_app(settings))


def test_default_deployment_has_no_dev_login_and_refuses_forged_tokens(
    migrated_postgres_url: str, tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    """A forged token signed with the public placeholder is a 401, and the dev login is a 404."""
    settings = _default(jwt_secret=REAL_SECRET, database_url=migrated_postgres_url, data_dir=tmp_path)
    assert settings.is_production and not settings.dev_login_enabled
    # A real user with a live session, logged in through a test-profile app on the same database.
    context = AppContext.from_settings(make_settings(database_url=migrated_postgres_url))
    try:
        from api.main import create_app

        with TestClient(create_app(context=context)) as helper:
            login = helper.post("/api/v1/auth/dev/token", json={"nickname": "victim"}).json()
        now = int(time.time())
        forged = jwt.encode(
            {
                "sub": login["user"]["id"], "sid": login["session_id"], "jti": uuid.uuid4().hex,
                "type": "access", "provider": "dev", "iat": now, "exp": now + 600,
                "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
            },
            PLACEHOLDER_JWT_SECRET,
            algorithm="HS256",
        )  # fmt: skip
        with _app_client(settings) as client:
            dev = client.post("/api/v1/auth/dev/token", json={"nickname": "intruder"})
            me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {forged}"})
            paths = client.get("/openapi.json").json()["paths"]
        assert dev.status_code == 404 and dev.json()["code"] == "not_found"
        assert "/api/v1/auth/dev/token" not in paths
        assert me.status_code == 401 and "Signature verification failed" in me.json()["detail"]
    finally:
        from tests.conftest import clear_tables

        clear_tables(context)
        context.close()


def test_test_profile_secret_is_not_the_placeholder() -> None:
    assert TEST_JWT_SECRET != PLACEHOLDER_JWT_SECRET and len(TEST_JWT_SECRET) >= 32
