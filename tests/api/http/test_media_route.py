"""One path and method, one endpoint per request media type (api/http/media_route.py): routed by
`Content-Type`, validation codes per route, and one OpenAPI operation with every endpoint's body."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar

import pytest
from fastapi import APIRouter, FastAPI, File, Form, UploadFile
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.errors import install_error_handlers, install_openapi
from api.http.media_route import Loc, MediaTypeRoute, merge_media_type_operations
from tests.api.scans.conftest import login


class Thing(BaseModel):
    name: str


class _Json(MediaTypeRoute):
    media_types = frozenset({"application/json"})
    validation_codes: ClassVar[Mapping[Loc, str]] = {("body",): "bad_json"}


class _Form(MediaTypeRoute):
    media_types = frozenset({"multipart/form-data"})
    validation_codes: ClassVar[Mapping[Loc, str]] = {("body", "size"): "bad_size"}


def _small_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_openapi(app, merge_media_type_operations)

    def by_json(body: Thing) -> dict[str, str]:
        """Documented once, for both."""
        return {"via": "json", "name": body.name}

    def by_form(file: Annotated[UploadFile, File()], size: Annotated[int, Form()]) -> dict[str, str]:
        return {"via": "form", "name": file.filename or "", "size": str(size)}

    router = APIRouter()
    router.add_api_route("/things", by_json, methods=["POST"], route_class_override=_Json)
    router.add_api_route("/things", by_form, methods=["POST"], route_class_override=_Form)
    app.include_router(router)
    return app


def test_each_media_type_reaches_its_endpoint_and_its_codes() -> None:
    client = TestClient(_small_app())
    assert client.post("/things", json={"name": "a"}).json() == {"via": "json", "name": "a"}
    form = client.post("/things", files={"file": ("f.txt", b"x")}, data={"size": "3"})
    assert form.json() == {"via": "form", "name": "f.txt", "size": "3"}
    bad_json = client.post("/things", json={"name": 1})
    assert (bad_json.status_code, bad_json.json()["code"]) == (422, "bad_json")
    bad_size = client.post("/things", files={"file": ("f.txt", b"x")}, data={"size": "many"})
    assert (bad_size.status_code, bad_size.json()["code"]) == (422, "bad_size")
    no_file = client.post("/things", files={"other": ("f.txt", b"x")}, data={"size": "1"})
    assert (no_file.status_code, no_file.json()["code"]) == (422, "validation_error")  # no code named
    # No route takes text/plain: the router's 404 (POST /scans adds a route of its own for the 415).
    assert client.post("/things", content=b"x", headers={"content-type": "text/plain"}).status_code == 404
    other_method = client.put("/things", json={"name": "a"})
    assert (other_method.status_code, other_method.headers["allow"]) == (405, "POST")


def test_the_openapi_operation_has_both_generated_bodies() -> None:
    schema = TestClient(_small_app()).get("/openapi.json").json()
    operation = schema["paths"]["/things"]["post"]
    assert operation["operationId"] == "by_json_things_post"
    assert operation["description"] == "Documented once, for both."
    content = operation["requestBody"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Thing"}
    form = content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][form]["required"]) == {"file", "size"}


def _operation(schema: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = schema["paths"]["/api/v1/scans"]["post"]
    return operation


def test_post_scans_documents_json_and_multipart_from_the_endpoints(
    make_client: Callable[..., TestClient],
) -> None:
    schema = make_client().get("/openapi.json").json()
    operation = _operation(schema)
    assert operation["operationId"] == "scans-create_scan"
    assert {"202", "401", "413", "415", "422", "429"} <= set(operation["responses"])
    assert [p["name"] for p in operation["parameters"]] == ["Idempotency-Key"]
    body = operation["requestBody"]
    assert body["required"] is True
    assert set(body["content"]) == {"application/json", "multipart/form-data"}
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ScanCreate"}
    form_ref = body["content"]["multipart/form-data"]["schema"]["$ref"]
    form = schema["components"]["schemas"][form_ref.rsplit("/", 1)[1]]
    assert set(form["properties"]) == {"image", "note", "lat", "lng"}
    assert form["required"] == ["image"]
    assert form["properties"]["image"]["contentMediaType"] == "application/octet-stream"  # a binary
    assert {"type": "number"} in form["properties"]["lat"]["anyOf"]
    scan_create = schema["components"]["schemas"]["ScanCreate"]
    assert scan_create["required"] == ["upload_key"] and scan_create["additionalProperties"] is False
    # The multipart endpoint and the 415 fallback are no operations of their own.
    operation_ids = [op["operationId"] for methods in schema["paths"].values() for op in methods.values()]
    assert not [op for op in operation_ids if op.startswith("scans-create_scan_")]


def test_other_media_types_are_415_after_the_login(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        sent = {**headers, "Content-Type": content_type} if content_type else headers
        response = client.post("/api/v1/scans", content=b"upload_key=x", headers=sent)
        assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")
    anonymous = client.post("/api/v1/scans", content=b"x", headers={"Content-Type": "text/plain"})
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthorized")
    put = client.put("/api/v1/scans", json={}, headers=headers)
    assert (put.status_code, put.headers["allow"]) == (405, "POST")


def test_multipart_limits_stay_one_file_and_ten_fields(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    image = ("p.jpg", b"\xff\xd8", "image/jpeg")
    two_files = client.post("/api/v1/scans", files=[("image", image), ("image", image)], headers=headers)
    assert two_files.status_code == 400, two_files.text
    fields = {f"field{i}": "1" for i in range(11)}
    many_fields = client.post("/api/v1/scans", files={"image": image}, data=fields, headers=headers)
    assert many_fields.status_code == 400, many_fields.text


class _First:
    class Thing(BaseModel):
        name: str


class _Second:
    class Thing(BaseModel):
        size: int


class _MergePatch(MediaTypeRoute):
    media_types = frozenset({"application/merge-patch+json"})


def _by_first(body: _First.Thing) -> None:
    del body


def _by_second(body: _Second.Thing) -> None:
    del body


def test_two_different_models_of_one_name_are_refused_not_mixed_up() -> None:
    app = FastAPI()
    install_openapi(app, merge_media_type_operations)
    router = APIRouter()
    router.add_api_route("/things", _by_first, methods=["POST"], route_class_override=_Json)
    router.add_api_route("/things", _by_second, methods=["POST"], route_class_override=_MergePatch)
    app.include_router(router)
    with pytest.raises(RuntimeError, match="'Thing'"):
        app.openapi()
