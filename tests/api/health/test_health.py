from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api.context import AppContext
from api.main import create_app
from api.settings import Settings


def test_healthz_is_alive(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_checks_the_database(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database"}


@pytest.fixture
def app_for(
    make_settings: Callable[..., Settings], migrated_postgres_url: str
) -> Iterator[Callable[..., TestClient]]:
    contexts: list[AppContext] = []

    def build(**overrides: object) -> TestClient:
        # A migrated database: /readyz counts an unmigrated one as failing.
        ctx = AppContext.from_settings(make_settings(**{"database_url": migrated_postgres_url, **overrides}))
        contexts.append(ctx)
        return TestClient(create_app(context=ctx))

    yield build
    for ctx in contexts:
        ctx.close()


def test_readyz_names_the_failing_components(app_for: Callable[..., TestClient]) -> None:
    client = app_for(broker_url="amqp://guest:guest@127.0.0.1:1//", redis_url="redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["broker"]
    assert body["degraded"] == ["redis"]
    assert body["checks"]["database"]["ok"] is True
    assert "error" in body["checks"]["broker"]


def test_readyz_with_only_redis_down_is_degraded_not_unready(
    app_for: Callable[..., TestClient], broker_url: str, migrated_postgres_url: str
) -> None:
    """Redis backs caches and rate limits only: its outage must not take every API pod out of rotation."""
    client = app_for(
        database_url=migrated_postgres_url, broker_url=broker_url, redis_url="redis://127.0.0.1:1/0"
    )
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["failing"], body["degraded"]) == ("degraded", [], ["redis"])
    assert body["checks"]["redis"]["ok"] is False


def test_readyz_with_real_broker_and_redis(
    app_for: Callable[..., TestClient], broker_url: str, redis_url: str, migrated_postgres_url: str
) -> None:
    client = app_for(database_url=migrated_postgres_url, broker_url=broker_url, redis_url=redis_url)
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    assert set(response.json()["checks"]) == {"database", "broker", "redis"}


def test_readyz_reports_a_dead_database(app_for: Callable[..., TestClient]) -> None:
    client = app_for(database_url="postgresql://nobody@127.0.0.1:1/none")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]


def test_unknown_path_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found", "code": "not_found"}


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/api/v1/nope")
    body = client.get("/metrics").text
    assert 'waste_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in body
    assert 'route="unmatched",status="404"' in body
    assert "waste_http_request_duration_seconds_bucket" in body
