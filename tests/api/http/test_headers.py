"""Rows 12 and 16 of issue 15: CORS from the allow-list, security headers, no-store on tokens."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from api.http.headers import API_CSP, SecurityHeadersMiddleware
from api.web.policy import content_security_policy

ALLOWED = "https://app.example.kr"
JSON = {"content-type": "application/json"}


def test_cors_preflight_from_the_allow_list_succeeds_and_others_are_refused(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(cors_origins=[ALLOWED])
    allowed = client.options(
        "/api/v1/users/me",
        headers={"Origin": ALLOWED, "Access-Control-Request-Method": "PATCH",
                 "Access-Control-Request-Headers": "authorization, content-type"},
    )  # fmt: skip
    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "PATCH" in allowed.headers["access-control-allow-methods"]
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()

    other = client.options(
        "/api/v1/users/me",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "PATCH"},
    )
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers

    simple = client.get("/api/v1/recycling/categories", headers={"Origin": ALLOWED})
    assert simple.headers["access-control-allow-origin"] == ALLOWED
    foreign = client.get("/api/v1/recycling/categories", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers


def test_no_cors_headers_without_an_allow_list(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    response = client.get("/api/v1/recycling/categories", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_security_headers_on_api_responses_and_errors(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    for response in (
        client.get("/api/v1/recycling/categories"),
        client.get("/api/v1/users/me"),  # 401
        client.get("/api/v1/nope"),  # 404
        client.post(
            "/api/v1/auth/refresh", content=b"x" * 100_000, headers={"content-type": "application/json"}
        ),
        client.get("/healthz"),
    ):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", response.request.url
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
        assert headers["content-security-policy"] == API_CSP
        assert "strict-transport-security" not in headers  # plain http outside production


def test_the_web_client_keeps_its_own_policy(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    page = client.get("/")
    assert page.status_code == 200
    settings = client.app.state.context.settings  # type: ignore[attr-defined]
    assert page.headers["content-security-policy"] == content_security_policy(settings)
    assert page.headers.get_list("content-security-policy") == [content_security_policy(settings)]
    assert client.get("/docs").status_code == 200
    assert "content-security-policy" not in client.get("/docs").headers  # Swagger UI comes from a CDN


def test_hsts_over_https_and_in_production(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    forwarded = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert forwarded.headers["strict-transport-security"].startswith("max-age=")
    https = TestClient(client.app, base_url="https://testserver")
    assert "strict-transport-security" in https.get("/healthz").headers


def test_hsts_always_in_production_behind_a_tls_terminating_proxy() -> None:
    """Production sets `hsts_always` (install_edge): the ALB speaks plain http to the pod."""

    async def plain(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("ok")(scope, receive, send)

    app = SecurityHeadersMiddleware(plain, hsts_always=True, no_store_prefixes=(), no_csp_paths=())
    assert TestClient(app).get("/").headers["strict-transport-security"].startswith("max-age=")


def test_token_responses_are_never_cached(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    issued = client.post("/api/v1/auth/dev/token", json={"nickname": "tester"})
    assert issued.status_code == 200
    assert issued.headers["cache-control"] == "no-store"
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": issued.json()["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.headers["cache-control"] == "no-store"
    refused = client.post("/api/v1/auth/refresh", json={"refresh_token": "nope"})
    assert refused.headers["cache-control"] == "no-store"
    callback = client.get("/api/v1/auth/kakao/callback", params={"code": "c", "state": "s"})
    assert callback.headers["cache-control"] == "no-store"


def test_an_unexpected_500_carries_the_headers_too(make_client: Callable[..., TestClient]) -> None:
    client = make_client()

    def boom() -> None:
        raise RuntimeError("boom")

    client.app.add_api_route("/api/v1/boom", boom)  # type: ignore[attr-defined]
    response = TestClient(client.app, raise_server_exceptions=False).get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error", "code": "internal"}
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == API_CSP
