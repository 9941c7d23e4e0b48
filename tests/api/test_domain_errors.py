"""Domain failures (api/domain_errors.py) become HTTP in one place: api.errors.DOMAIN_STATUS."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import domain_errors
from api.domain_errors import DomainError, LimitReached, NotFound
from api.errors import DOMAIN_STATUS, domain_status, install_error_handlers
from api.storage import StorageUnavailable


def test_every_kind_of_domain_failure_has_an_http_status() -> None:
    kinds = {
        value
        for value in vars(domain_errors).values()
        if isinstance(value, type) and issubclass(value, DomainError) and value is not DomainError
    }
    assert kinds == set(DOMAIN_STATUS)
    assert domain_status(StorageUnavailable("S3 is down")) == 503  # a subclass takes its kind's status


def test_a_domain_failure_renders_the_one_error_shape() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/quota")
    def quota() -> None:
        raise LimitReached("daily scan quota reached", code="scan_quota_exceeded", retry_after=60)

    @app.get("/missing")
    def missing() -> None:
        raise NotFound("scan not found", code="scan_not_found")

    client = TestClient(app)
    quota_response, missing_response = client.get("/quota"), client.get("/missing")
    assert (quota_response.status_code, quota_response.json()) == (
        429,
        {"detail": "daily scan quota reached", "code": "scan_quota_exceeded"},
    )
    assert quota_response.headers["Retry-After"] == "60"
    assert missing_response.status_code == 404 and "retry-after" not in missing_response.headers
