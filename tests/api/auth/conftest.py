"""Fixtures for auth tests: a fake provider server on 127.0.0.1 and settings pointing at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer

from api.context import AppContext
from api.settings import Settings
from tests.api.auth.fakes import FakeProviders

FRONTEND = "https://app.example.test"


@pytest.fixture(scope="session")
def rsa_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def provider_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def fake(provider_server: HTTPServer, rsa_key: RSAPrivateKey) -> Iterator[FakeProviders]:
    providers = FakeProviders(server=provider_server, rsa_key=rsa_key)
    providers.install()
    yield providers
    provider_server.clear()


@pytest.fixture
def auth_overrides(fake: FakeProviders) -> dict[str, Any]:
    return {
        **fake.settings(),
        "auth_frontend_origins": [FRONTEND],
        "auth_frontend_redirect_path": "/#/home",
        "auth_frontend_error_path": "/#/login",
    }


@pytest.fixture
def settings(
    make_settings: Callable[..., Settings], migrated_postgres_url: str, auth_overrides: dict[str, Any]
) -> Settings:
    return make_settings(database_url=migrated_postgres_url, **auth_overrides)


@pytest.fixture
def client(context: AppContext) -> Iterator[TestClient]:
    """https base URL so the client's cookie jar sends back our `Secure` cookies."""
    from api.main import create_app

    with TestClient(create_app(context=context), base_url="https://testserver") as test_client:
        yield test_client
