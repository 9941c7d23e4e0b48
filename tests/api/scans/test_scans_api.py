"""Scans API on PostgreSQL with the in-process runner and the offline analyser."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.db import session_scope
from api.locations.models import CollectionPoint, pack_categories
from api.scans.models import Scan, ScanFeedback
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, upload, wait_for_scan


def _scan_count(client: TestClient) -> int:
    with session_scope(client.app.state.context.session_factory) as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(func.count()).select_from(Scan)) or 0)


def test_multipart_image_scan_completes(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    response = client.post(
        "/api/v1/scans",
        files={"image": ("can.png", imagegen.png(), "image/png")},
        data={"note": "알루미늄 캔", "lat": "37.56", "lng": "126.97"},
        headers=headers,
    )
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == response.json()["result_url"]
    scan = wait_for_scan(client, headers, response.json()["id"])
    assert scan["status"] == "done"
    assert (scan["lat"], scan["lng"]) == (37.56, 126.97)
    item = scan["result"]["items"][0]
    assert item["category_id"] == "metal"
    assert item["steps"] and item["kb_item_id"]
    # lat/lng given but no point nearby accepts metal: the field is present and empty.
    assert scan["result"]["nearby_points"] == []


def test_scan_lists_nearest_points_that_accept_its_category(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    with session_scope(client.app.state.context.session_factory) as session:  # type: ignore[attr-defined]
        for key, kind, categories, lat in [
            ("near-recycling", "street_recycling_bin", ["metal", "plastic"], 37.5605),
            ("nearer-battery", "battery_lamp_bin", ["battery", "lamp"], 37.5601),
            ("far-recycling", "street_recycling_bin", ["metal"], 37.70),
        ]:
            session.add(
                CollectionPoint(
                    type=kind,
                    accepted_categories=pack_categories(categories),
                    name=key,
                    lat=lat,
                    lng=126.97,
                    source="test",
                    source_key=key,
                )
            )
    headers = login(client)
    response = client.post(
        "/api/v1/scans",
        files={"image": ("can.png", imagegen.png(), "image/png")},
        data={"note": "알루미늄 캔", "lat": "37.56", "lng": "126.97"},
        headers=headers,
    )
    scan = wait_for_scan(client, headers, response.json()["id"])
    assert scan["result"]["items"][0]["category_id"] == "metal"
    points = scan["result"]["nearby_points"]
    assert [p["name"] for p in points] == ["near-recycling"]
    assert 50 < points[0]["distance_m"] < 60
    assert "metal" in points[0]["accepted_categories"]


def test_note_without_a_match_finishes_with_no_items(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    response = client.post(
        "/api/v1/scans", files={"image": ("x.jpg", imagegen.jpeg(), "image/jpeg")}, headers=headers
    )
    scan = wait_for_scan(client, headers, response.json()["id"])
    assert scan["status"] == "done"
    assert scan["result"]["items"] == []
    assert "메모" in scan["result"]["coaching"]


def test_same_idempotency_key_returns_the_same_scan(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = {**login(client), "Idempotency-Key": "photo-123"}
    files = {"image": ("x.jpg", imagegen.jpeg(), "image/jpeg")}
    first = client.post("/api/v1/scans", files=files, data={"note": "신문지"}, headers=headers)
    second = client.post("/api/v1/scans", files=files, data={"note": "신문지"}, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert _scan_count(client) == 1
    wait_for_scan(client, headers, first.json()["id"])


def test_pending_scan_answers_202_with_retry_after(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client, "pending")
    ctx = client.app.state.context  # type: ignore[attr-defined]
    me = client.get("/api/v1/users/me", headers=headers).json()
    with session_scope(ctx.session_factory) as session:
        scan = Scan(user_id=uuid.UUID(me["id"]), image_key="k", image_sha256="0" * 64, status="analysing")
        session.add(scan)
    response = client.get(f"/api/v1/scans/{scan.id}", headers=headers)
    assert response.status_code == 202
    assert response.headers["Retry-After"] == "1"
    assert response.json()["status"] == "analysing" and response.json()["result"] is None


def test_only_the_owner_sees_a_scan(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    alice, bob = login(client, "alice"), login(client, "bob")
    created = client.post(
        "/api/v1/scans", files={"image": ("x.jpg", imagegen.jpeg(), "image/jpeg")}, headers=alice
    )
    scan_id = created.json()["id"]
    wait_for_scan(client, alice, scan_id)
    for method, path, kwargs in [
        ("GET", f"/api/v1/scans/{scan_id}", {}),
        ("GET", f"/api/v1/scans/{scan_id}/events", {}),
        ("POST", f"/api/v1/scans/{scan_id}/feedback", {"json": {"correct": False}}),
    ]:
        response = client.request(method, path, headers=bob, **kwargs)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["code"] == "scan_not_found"
    assert client.get("/api/v1/scans", headers=bob).json()["items"] == []
    assert client.get(f"/api/v1/scans/{uuid.uuid4()}", headers=alice).status_code == 404
    assert client.get(f"/api/v1/scans/{scan_id}").status_code == 401


def test_history_is_paginated_newest_first(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    ids = []
    for note in ("신문지", "유리병", "건전지"):
        response = client.post(
            "/api/v1/scans", files={"image": ("x.jpg", imagegen.jpeg(), "image/jpeg")}, data={"note": note},
            headers=headers,
        )  # fmt: skip
        ids.append(response.json()["id"])
        wait_for_scan(client, headers, ids[-1])
    page1 = client.get("/api/v1/scans", params={"limit": 2}, headers=headers).json()
    assert [s["id"] for s in page1["items"]] == ids[::-1][:2]
    assert page1["items"][0]["top_category_id"] == "battery"
    page2 = client.get(
        "/api/v1/scans", params={"limit": 2, "cursor": page1["next_cursor"]}, headers=headers
    ).json()
    assert [s["id"] for s in page2["items"]] == [ids[0]]
    assert page2["next_cursor"] is None
    bad = client.get("/api/v1/scans", params={"cursor": "garbage!"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"


def test_feedback_is_stored_for_review(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    created = client.post(
        "/api/v1/scans", files={"image": ("x.jpg", imagegen.jpeg(), "image/jpeg")}, headers=headers
    )
    scan_id = created.json()["id"]
    wait_for_scan(client, headers, scan_id)
    body = {"correct": False, "expected_category_id": "glass", "comment": "유리병이에요"}
    response = client.post(f"/api/v1/scans/{scan_id}/feedback", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["expected_category_id"] == "glass"
    with session_scope(client.app.state.context.session_factory) as session:  # type: ignore[attr-defined]
        stored = session.scalars(select(ScanFeedback)).one()
        assert str(stored.scan_id) == scan_id and stored.comment == "유리병이에요"
    unknown = client.post(
        f"/api/v1/scans/{scan_id}/feedback", json={"expected_category_id": "unobtainium"}, headers=headers
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_category"


def test_daily_quota_answers_429_with_retry_after(make_client: Callable[..., TestClient]) -> None:
    client = make_client(scan_daily_quota=1)
    headers = login(client)
    files = {"image": ("x.jpg", imagegen.jpeg(), "image/jpeg")}
    first = client.post("/api/v1/scans", files=files, headers=headers)
    assert first.status_code == 202
    second = client.post("/api/v1/scans", files=files, headers=headers)
    assert second.status_code == 429
    assert second.json()["code"] == "scan_quota_exceeded"
    assert 0 < int(second.headers["Retry-After"]) <= 24 * 3600
    # A new Idempotency-Key is a new scan: refused as well.
    replay = client.post("/api/v1/scans", files=files, headers={**headers, "Idempotency-Key": "a"})
    assert replay.status_code == 429
    assert _scan_count(client) == 1
    wait_for_scan(client, headers, first.json()["id"])


def test_daily_quota_holds_under_concurrent_requests(make_client: Callable[..., TestClient]) -> None:
    client = make_client(scan_daily_quota=2)
    headers = login(client)

    def submit(seed: int) -> int:
        files = {"image": ("x.jpg", imagegen.unique_jpeg(seed), "image/jpeg")}
        return client.post("/api/v1/scans", files=files, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(submit, range(16)))
    assert statuses == [202] * 2 + [429] * 14
    assert _scan_count(client) == 2
    # requests refused by the re-check under the lock had stored their image already: it is gone
    storage_dir = client.app.state.context.settings.storage_dir  # type: ignore[attr-defined]
    assert len(list((storage_dir / "scans").rglob("*.jpg"))) == 2


def test_upload_flow_with_json_body(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    key = upload(client, headers, imagegen.webp(), "image/webp")
    assert key.startswith("uploads/") and key.endswith(".webp")
    response = client.post("/api/v1/scans", json={"upload_key": key, "note": "유리병"}, headers=headers)
    scan = wait_for_scan(client, headers, response.json()["id"])
    assert scan["result"]["items"][0]["category_id"] == "glass"
