"""In production the details of `/readyz` (which check failed, and why) and all of `/metrics`
are for a bearer of `WASTE_METRICS_TOKEN` only; the public gets the status alone."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

TOKEN = "metrics-" + "t" * 40
PRODUCTION = {"env": "production", "jwt_secret": "j" * 48, "dev_login": False}


def test_production_readyz_shows_the_status_alone_to_the_public(
    serve: Callable[..., TestClient], migrated_postgres_url: str
) -> None:
    client = serve(database_url=migrated_postgres_url, metrics_token=TOKEN, **PRODUCTION)
    public = client.get("/readyz")
    assert (public.status_code, public.json()) == (200, {"status": "ok"})
    wrong = client.get("/readyz", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.json() == {"status": "ok"}
    internal = client.get("/readyz", headers={"Authorization": f"Bearer {TOKEN}"})
    assert internal.status_code == 200 and set(internal.json()["checks"]) == {"database"}


def test_production_readyz_failure_names_nothing_to_the_public(
    serve: Callable[..., TestClient], migrated_postgres_url: str
) -> None:
    client = serve(database_url=migrated_postgres_url, metrics_token=TOKEN,
                     broker_url="amqp://guest:guest@127.0.0.1:1//", **PRODUCTION)  # fmt: skip
    public = client.get("/readyz")
    assert (public.status_code, public.json()) == (503, {"status": "unavailable"})
    assert "127.0.0.1" not in public.text
    internal = client.get("/readyz", headers={"Authorization": f"Bearer {TOKEN}"})
    assert internal.status_code == 503 and internal.json()["failing"] == ["broker"]


def test_production_metrics_need_the_token(
    serve: Callable[..., TestClient], migrated_postgres_url: str
) -> None:
    client = serve(database_url=migrated_postgres_url, metrics_token=TOKEN, **PRODUCTION)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401 and refused.json()["code"] == "metrics_token_required"
        assert refused.headers["WWW-Authenticate"] == "Bearer" and "waste_http" not in refused.text
    allowed = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200 and "waste_http_requests_total" in allowed.text


def test_production_without_a_token_shows_no_details_to_anyone(
    serve: Callable[..., TestClient], migrated_postgres_url: str
) -> None:
    client = serve(database_url=migrated_postgres_url, **PRODUCTION)
    assert client.get("/readyz").json() == {"status": "ok"}
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401


def test_development_shows_details_to_anyone(
    serve: Callable[..., TestClient], migrated_postgres_url: str
) -> None:
    client = serve(database_url=migrated_postgres_url, env="development")
    assert "checks" in client.get("/readyz").json()
    assert client.get("/metrics").status_code == 200
