"""Every bad input gets a precise 4xx, nothing is queued and no analyser is called."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.db import session_scope
from api.scans.models import Scan
from api.storage import sign_local_upload
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, upload


def _no_scans(client: TestClient) -> None:
    with session_scope(client.app.state.context.session_factory) as session:  # type: ignore[attr-defined]
        assert session.scalar(select(func.count()).select_from(Scan)) == 0


def _truncated() -> bytes:
    data = imagegen.jpeg(300, 200)
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"hello, I am a text file, not a photo" * 20, 415, "unsupported_image_type"),
        (_truncated(), 422, "corrupt_image"),
        (imagegen.huge_png(50), 413, "image_too_many_pixels"),
        (b"", 422, "empty_image"),
    ],
    ids=["non-image", "truncated-jpeg", "50-megapixel-png", "zero-bytes"],
)
def test_bad_images_multipart(
    make_client: Callable[..., TestClient], data: bytes, status: int, code: str
) -> None:
    client = make_client()
    response = client.post(
        "/api/v1/scans", files={"image": ("photo.jpg", data, "image/jpeg")}, headers=login(client)
    )
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    _no_scans(client)


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [(b"GIF89a not really", 415, "unsupported_image_type"), (_truncated(), 422, "corrupt_image")],
    ids=["non-image", "truncated-jpeg"],
)
def test_bad_images_via_upload_key(
    make_client: Callable[..., TestClient], data: bytes, status: int, code: str
) -> None:
    client = make_client()
    headers = login(client)
    key = upload(client, headers, data)
    response = client.post("/api/v1/scans", json={"upload_key": key}, headers=headers)
    assert (response.status_code, response.json()["code"]) == (status, code)
    _no_scans(client)


def test_oversized_multipart_image(make_client: Callable[..., TestClient]) -> None:
    client = make_client(upload_max_bytes=1000)
    response = client.post(
        "/api/v1/scans",
        files={"image": ("big.jpg", imagegen.jpeg(400, 400), "image/jpeg")},
        headers=login(client),
    )
    assert (response.status_code, response.json()["code"]) == (413, "image_too_large")
    _no_scans(client)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"note": "x" * 10_000}, "note_too_long"),
        ({"lat": 91, "lng": 10}, "invalid_location"),
        ({"lat": 37.5, "lng": -181}, "invalid_location"),
        ({"lat": 37.5}, "invalid_location"),
        ({"upload_key": ""}, "invalid_body"),
        ({"upload_key": "k", "extra": 1}, "invalid_body"),
    ],
    ids=[
        "note-10kB",
        "lat-out-of-range",
        "lng-out-of-range",
        "lat-without-lng",
        "empty-key",
        "unknown-field",
    ],
)
def test_bad_fields_json(make_client: Callable[..., TestClient], body: dict[str, Any], code: str) -> None:
    client = make_client()
    headers = login(client)
    key = upload(client, headers, imagegen.jpeg())
    response = client.post("/api/v1/scans", json={"upload_key": key, **body}, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    _no_scans(client)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"note": "가" * 10_000}, "note_too_long"),
        ({"lat": "north", "lng": "1"}, "invalid_location"),
        ({"lat": "95", "lng": "1"}, "invalid_location"),
    ],
    ids=["note-10kB", "lat-not-a-number", "lat-out-of-range"],
)
def test_bad_fields_multipart(
    make_client: Callable[..., TestClient], fields: dict[str, str], code: str
) -> None:
    client = make_client()
    response = client.post(
        "/api/v1/scans",
        files={"image": ("x.jpg", imagegen.jpeg(), "image/jpeg")},
        data=fields,
        headers=login(client),
    )
    assert (response.status_code, response.json()["code"]) == (422, code)
    _no_scans(client)


def test_neither_or_wrong_body(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    no_file = client.post("/api/v1/scans", files={"other": ("x", b"1")}, data={"note": "a"}, headers=headers)
    assert (no_file.status_code, no_file.json()["code"]) == (422, "image_required")
    text = client.post("/api/v1/scans", content=b"hi", headers={**headers, "Content-Type": "text/plain"})
    assert (text.status_code, text.json()["code"]) == (415, "unsupported_media_type")
    broken = client.post(
        "/api/v1/scans", content=b"{", headers={**headers, "Content-Type": "application/json"}
    )
    assert (broken.status_code, broken.json()["code"]) == (422, "invalid_body")
    _no_scans(client)


def test_upload_key_of_another_user(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    alice, bob = login(client, "alice"), login(client, "bob")
    key = upload(client, alice, imagegen.jpeg())
    response = client.post("/api/v1/scans", json={"upload_key": key}, headers=bob)
    assert (response.status_code, response.json()["code"]) == (403, "upload_forbidden")
    unknown = client.post("/api/v1/scans", json={"upload_key": "uploads/nope.jpg"}, headers=bob)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "upload_not_found")
    _no_scans(client)


def test_upload_key_never_uploaded(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    ticket = client.post("/api/v1/uploads", json={"content_type": "image/png"}, headers=headers).json()
    response = client.post("/api/v1/scans", json={"upload_key": ticket["key"]}, headers=headers)
    assert (response.status_code, response.json()["code"]) == (409, "upload_missing")


def test_wrong_upload_content_type(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    for content_type in ("application/pdf", "image/gif", "text/html"):
        response = client.post("/api/v1/uploads", json={"content_type": content_type}, headers=headers)
        assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")
    assert client.post("/api/v1/uploads", json={"content_type": "image/png"}).status_code == 401


def _ticket(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.post("/api/v1/uploads", json={"content_type": "image/jpeg"}, headers=headers)
    assert response.status_code == 201
    ticket: dict[str, Any] = response.json()
    assert ticket["fields"]["Content-Type"] == "image/jpeg"
    assert ticket["expires_at"] > time.time() + 14 * 60
    return ticket


def test_local_upload_refuses_tampering_size_and_expiry(make_client: Callable[..., TestClient]) -> None:
    client = make_client(upload_max_bytes=2000)
    headers = login(client)
    ticket = _ticket(client, headers)
    url, fields = ticket["url"], ticket["fields"]
    photo = ("p.jpg", imagegen.jpeg(), "image/jpeg")

    other_key = {**fields, "key": fields["key"].replace("uploads/", "uploads/x")}
    assert client.post(url, data=other_key, files={"file": photo}).status_code == 403
    bigger = {**fields, "max_bytes": "99999999"}
    assert client.post(url, data=bigger, files={"file": photo}).status_code == 403
    settings = client.app.state.context.settings  # type: ignore[attr-defined]
    past = int(time.time()) - 1
    expired = {**fields, "expires": str(past),
               "signature": sign_local_upload(settings, fields["key"], "image/jpeg", past, 2000)}  # fmt: skip
    response = client.post(url, data=expired, files={"file": photo})
    assert (response.status_code, response.json()["code"]) == (403, "upload_signature_invalid")

    too_big = client.post(url, data=fields, files={"file": ("p.jpg", b"x" * 2001, "image/jpeg")})
    assert (too_big.status_code, too_big.json()["code"]) == (413, "image_too_large")
    empty = client.post(url, data=fields, files={"file": ("p.jpg", b"", "image/jpeg")})
    assert (empty.status_code, empty.json()["code"]) == (422, "empty_image")
    assert client.post(url, data=fields, files={"file": photo}).status_code == 204
