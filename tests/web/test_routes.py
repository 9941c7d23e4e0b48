"""The web client's routes without a browser: files, headers, the CSP per profile, `/web/config`."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api.context import AppContext
from api.main import create_app
from api.settings import Settings
from api.web.policy import content_security_policy
from tests.conftest import clear_tables


@pytest.fixture
def make_client(
    make_settings: Callable[..., Settings], migrated_postgres_url: str
) -> Iterator[Callable[..., TestClient]]:
    opened: list[tuple[TestClient, AppContext]] = []

    def build(**overrides: object) -> TestClient:
        context = AppContext.from_settings(make_settings(database_url=migrated_postgres_url, **overrides))
        client = TestClient(create_app(context=context), base_url="https://testserver")  # Secure cookies
        opened.append((client, context))
        return client

    yield build
    for client, context in opened:
        client.close()
        clear_tables(context)
        context.close()


def test_page_and_assets_carry_the_policy(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script type="module" src="/assets/app.js">' in page.text and '<html lang="ko">' in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "img-src 'self' blob:" in csp and "require-trusted-types-for 'script'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.headers["permissions-policy"] == "camera=(), microphone=(), geolocation=(self)"
    assert page.headers["cache-control"] == "no-cache" and page.headers["x-frame-options"] == "DENY"

    script = client.get("/assets/app.js")
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["content-security-policy"] == csp
    again = client.get("/assets/app.js", headers={"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/assets/style.css").headers["content-type"].startswith("text/css")
    # Only the files in api/web/static can be named.
    for bad in ("/assets/missing.js", "/assets/..%2Fpolicy.py", "/assets/__init__.py"):
        response = client.get(bad)
        assert response.status_code in (404, 422), bad
        assert "detail" in response.json()


def test_config_follows_the_profile(make_client: Callable[..., TestClient]) -> None:
    dev = make_client().get("/web/config").json()
    assert dev["dev_login"] is True and dev["providers"] == [] and dev["map"] is None
    assert dev["upload_types"] == ["image/jpeg", "image/png", "image/webp"]

    production = make_client(
        env="production", jwt_secret="s" * 40, dev_login=None, kakao_client_id="k", google_client_id="g.apps",
        web_map_tile_url="https://tiles.example.test/{z}/{x}/{y}.png",
    ).get("/web/config")  # fmt: skip
    body = production.json()
    assert body["dev_login"] is False and body["providers"] == ["kakao", "google"]
    assert body["map"]["tile_url"] == "https://tiles.example.test/{z}/{x}/{y}.png"
    assert production.headers["cache-control"] == "no-store"


def test_policy_names_the_upload_bucket_and_the_tile_server(make_settings: Callable[..., Settings]) -> None:
    s3 = content_security_policy(make_settings(s3_bucket="waste-images", aws_region="ap-northeast-2"))
    assert "connect-src 'self' https://waste-images.s3.ap-northeast-2.amazonaws.com" in s3
    local_s3 = content_security_policy(
        make_settings(
            s3_bucket="b",
            s3_endpoint_url="http://127.0.0.1:5000",
            web_map_tile_url="https://{s}.tile.example.test/{z}/{x}/{y}.png",
        )
    )
    assert "connect-src 'self' http://127.0.0.1:5000;" in local_s3
    assert "img-src 'self' blob: https://a.tile.example.test;" in local_s3


def test_dev_login_sets_cookies_only_when_asked(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    plain = client.post("/api/v1/auth/dev/token", json={"nickname": "mobile"})
    assert plain.status_code == 200 and "set-cookie" not in plain.headers
    browser = client.post("/api/v1/auth/dev/token", json={"nickname": "browser", "set_cookies": True})
    cookies = browser.headers.get_list("set-cookie")
    assert any(c.startswith("waste_access=") and "HttpOnly" in c for c in cookies)
    assert any(c.startswith("waste_refresh=") and "Path=/api/v1/auth" in c for c in cookies)
    assert client.get("/api/v1/users/me").json()["nickname"] == "browser"  # the cookie alone
