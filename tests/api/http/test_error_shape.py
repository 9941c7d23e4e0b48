"""Row 14 of issue 15: every 422 is `{detail, code}` (plus `errors`), as the OpenAPI schema says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
from fastapi.testclient import TestClient

from tests.api.scans.conftest import login


def _validation_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    """ValidationErrorBody with its references resolved from the document's components."""
    return {**openapi["components"]["schemas"]["ValidationErrorBody"], "components": openapi["components"]}


def test_fastapi_validation_errors_have_the_documented_shape(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    openapi = client.get("/openapi.json").json()
    schema = _validation_schema(openapi)
    responses = [
        client.post("/api/v1/auth/dev/token", json={"nickname": 1}),  # FastAPI's own validation
        client.post(
            "/api/v1/auth/dev/token", content=b"{not json", headers={"content-type": "application/json"}
        ),
        client.get("/api/v1/recycling/items", params={"limit": "many"}),
        client.get("/api/v1/recycling/items", params={"category": "no-such-category"}),  # raised by a route
        client.get("/api/v1/locations/nearby", params={"lat": 999, "lng": 127}),
        client.patch("/api/v1/users/me", json={"nickname": "ok", "extra": 1}, headers=login(client)),
    ]
    for response in responses:
        assert response.status_code == 422, response.text
        body = response.json()
        jsonschema.validate(body, schema)
        assert isinstance(body["detail"], str) and body["detail"]
        assert body["code"] == "validation_error"
        assert body["errors"] and all({"loc", "msg", "type"} == set(e) for e in body["errors"])
    assert "nickname" in responses[0].json()["detail"]


def test_field_errors_do_not_echo_the_input(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    secret = "s3cr3t-" + "x" * 40
    response = client.post("/api/v1/auth/dev/token", json={"nickname": secret})
    assert response.status_code == 422
    assert secret not in response.text


def test_every_operation_documents_the_one_422_body(make_client: Callable[..., TestClient]) -> None:
    openapi = make_client().get("/openapi.json").json()
    assert "HTTPValidationError" not in openapi["components"]["schemas"]
    operations = [op for methods in openapi["paths"].values() for op in methods.values()]
    assert len(operations) > 20
    for operation in operations:
        documented = operation["responses"]["422"]["content"]["application/json"]["schema"]
        assert documented == {"$ref": "#/components/schemas/ValidationErrorBody"}, operation["operationId"]
        if "requestBody" in operation:
            assert "413" in operation["responses"], operation["operationId"]
    schema = openapi["components"]["schemas"]["ValidationErrorBody"]
    assert set(schema["required"]) == {"detail", "code"}
