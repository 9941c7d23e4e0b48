"""Row 7 of issue 15: a NUL byte or another control character in any text input is a 422."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.scans import imagegen
from tests.api.scans.conftest import login, upload, wait_for_scan

NUL = "\x00"


def _refused(response: Any, loc: list[str | int]) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "control_character"
    assert body["errors"][0]["loc"] == loc
    assert isinstance(body["detail"], str)


@pytest.fixture
def scanned(make_client: Callable[..., TestClient]) -> tuple[TestClient, dict[str, str], str]:
    client = make_client()
    headers = login(client)
    key = upload(client, headers, imagegen.jpeg())
    created = client.post("/api/v1/scans", json={"upload_key": key}, headers=headers)
    assert created.status_code == 202, created.text
    scan_id = created.json()["id"]
    wait_for_scan(client, headers, scan_id)
    return client, headers, scan_id


@pytest.mark.parametrize("char", [NUL, "\x01", "\x1b", "\x7f"])
def test_json_fields_with_control_characters_are_422(
    scanned: tuple[TestClient, dict[str, str], str], char: str
) -> None:
    client, headers, scan_id = scanned
    key = upload(client, headers, imagegen.jpeg())
    _refused(client.post("/api/v1/scans", json={"upload_key": key, "note": f"a{char}b"}, headers=headers),
             ["body", "note"])  # fmt: skip
    _refused(client.post("/api/v1/scans", json={"upload_key": key + char}, headers=headers),
             ["body", "upload_key"])  # fmt: skip
    feedback = {"correct": False, "comment": f"wrong{char}"}
    _refused(client.post(f"/api/v1/scans/{scan_id}/feedback", json=feedback, headers=headers),
             ["body", "comment"])  # fmt: skip
    profile = {"profile_image_url": f"https://example.com/{char}.png"}
    _refused(client.patch("/api/v1/users/me", json=profile, headers=headers), ["body", "profile_image_url"])
    mobile = {"access_token": "t", "device_id": f"phone{char}"}
    _refused(client.post("/api/v1/auth/kakao/token", json=mobile), ["body", "device_id"])
    _refused(client.post("/api/v1/auth/refresh", json={f"k{char}": 1}), ["body", f"k{char}"])
    nested = {"upload_key": key, "note": "ok", "x": [{"y": char}]}
    _refused(client.post("/api/v1/scans", json=nested, headers=headers), ["body", "x", 0, "y"])


@pytest.mark.parametrize("char", [NUL, "\x01", "\t", "\n"])
def test_query_and_path_parameters_with_control_characters_are_422(
    scanned: tuple[TestClient, dict[str, str], str], char: str
) -> None:
    client, headers, _ = scanned
    _refused(client.get("/api/v1/recycling/items", params={"q": f"병{char}"}), ["query", "q"])
    _refused(
        client.get("/api/v1/recycling/items", params={"category": f"plastic{char}"}), ["query", "category"]
    )
    _refused(client.get("/api/v1/locations/search", params={"q": char, "lat": 37.5, "lng": 127}),
             ["query", "q"])  # fmt: skip
    nearby = {"lat": 37.5, "lng": 127.0, "category": f"glass{char}"}
    _refused(client.get("/api/v1/locations/nearby", params=nearby), ["query", "category"])
    encoded = "%00" if char == NUL else f"%{ord(char):02X}"
    _refused(client.get(f"/api/v1/recycling/items/pet{encoded}"), ["path"])
    _refused(client.delete(f"/api/v1/auth/sessions/x{encoded}", headers=headers), ["path"])


def test_free_text_keeps_tabs_and_newlines(scanned: tuple[TestClient, dict[str, str], str]) -> None:
    client, headers, scan_id = scanned
    feedback = {"correct": False, "comment": "line one\n\tline two\r\n"}
    response = client.post(f"/api/v1/scans/{scan_id}/feedback", json=feedback, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["comment"] == feedback["comment"]


@pytest.mark.parametrize("char", [NUL, "\x01"])
def test_multipart_note_with_control_characters_is_422_not_500(
    make_client: Callable[..., TestClient], char: str
) -> None:
    client = make_client()
    headers = login(client)
    files = {"image": ("p.jpg", imagegen.jpeg(), "image/jpeg")}
    response = client.post("/api/v1/scans", data={"note": f"a{char}b"}, files=files, headers=headers)
    assert (response.status_code, response.json()["code"]) == (422, "control_character"), response.text
    with_newline = client.post("/api/v1/scans", data={"note": "a\nb"}, files=files, headers=headers)
    assert with_newline.status_code == 202, with_newline.text


def test_a_value_the_database_cannot_store_is_422_not_500(make_client: Callable[..., TestClient]) -> None:
    """The last line behind the edge: PostgreSQL's DataError (here a NUL that reached an INSERT
    through a path no layer checks) is the client's 422."""
    from sqlalchemy import text
    from sqlalchemy.exc import DataError

    client = make_client()
    engine = client.app.state.context.engine  # type: ignore[attr-defined]

    def store_nul() -> None:
        with engine.begin() as conn:
            conn.execute(text("SELECT CAST(:v AS text)"), {"v": "a\x00b"})

    with pytest.raises(DataError):
        store_nul()
    client.app.add_api_route("/api/v1/nul", store_nul, methods=["POST"])  # type: ignore[attr-defined]
    response = client.post("/api/v1/nul")
    assert (response.status_code, response.json()["code"]) == (422, "invalid_value")


def test_upload_form_fields_with_control_characters_are_422(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    ticket = client.post("/api/v1/uploads", json={"content_type": "image/jpeg"}, headers=headers).json()
    fields = {**ticket["fields"], "key": ticket["fields"]["key"] + NUL}
    response = client.post(
        ticket["url"], data=fields, files={"file": ("p.jpg", imagegen.jpeg(), "image/jpeg")}
    )
    assert (response.status_code, response.json()["code"]) == (422, "control_character")
