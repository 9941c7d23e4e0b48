"""The in-process runner (no broker) with the OpenAI analyser against the fake server."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from api.db import session_scope, utcnow
from api.scans.models import Scan
from tests.api.analyser.fake_openai import FakeOpenAI
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, upload, wait_for_scan


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def openai_client(make_client: Callable[..., TestClient], fake_server: FakeOpenAI) -> Iterator[TestClient]:
    fake_server.reset()
    yield make_client(
        openai_api_key="sk-test", openai_base_url=fake_server.base_url, openai_timeout_seconds=1.0
    )
    fake_server.reset()


def _post(client: TestClient, headers: dict[str, str], data: bytes) -> str:
    response = client.post("/api/v1/scans", files={"image": ("x.jpg", data, "image/jpeg")}, headers=headers)
    assert response.status_code == 202, response.text
    scan_id: str = response.json()["id"]
    return scan_id


def test_rate_limited_three_times_then_done(openai_client: TestClient, fake_server: FakeOpenAI) -> None:
    fake_server.script("429", "429", "429")
    headers = login(openai_client)
    scan = wait_for_scan(openai_client, headers, _post(openai_client, headers, imagegen.unique_jpeg(1)))
    assert scan["status"] == "done"
    assert fake_server.count == 4 and fake_server.problems == []
    item = scan["result"]["items"][0]
    assert (item["category_id"], item["confidence"]) == ("pet_clear", 0.93)
    assert item["steps"] and item["kb_item_id"]  # guidance from the knowledge base, not the model


def test_gives_up_after_max_attempts(make_client: Callable[..., TestClient], fake_server: FakeOpenAI) -> None:
    fake_server.reset()
    client = make_client(openai_api_key="sk-test", openai_base_url=fake_server.base_url, scan_max_attempts=2)
    fake_server.script("500", "500", "500")
    headers = login(client)
    scan = wait_for_scan(client, headers, _post(client, headers, imagegen.unique_jpeg(2)))
    assert (scan["status"], scan["failure"]["code"]) == ("failed", "upstream_error")
    assert "2 attempts" in scan["failure"]["reason"] and fake_server.count == 2
    fake_server.reset()


def test_refusal_fails_with_reason(openai_client: TestClient, fake_server: FakeOpenAI) -> None:
    fake_server.script("refusal")
    headers = login(openai_client)
    scan = wait_for_scan(openai_client, headers, _post(openai_client, headers, imagegen.unique_jpeg(3)))
    assert (scan["status"], scan["failure"]["code"]) == ("failed", "refused")
    assert "refused" in scan["failure"]["reason"]


@pytest.mark.parametrize(
    "data", [b"not an image at all", imagegen.huge_png(50), b""], ids=["non-image", "50MP", "empty"]
)
def test_bad_images_never_reach_the_model(
    openai_client: TestClient, fake_server: FakeOpenAI, data: bytes
) -> None:
    response = openai_client.post(
        "/api/v1/scans", files={"image": ("x.png", data, "image/png")}, headers=login(openai_client)
    )
    assert 400 <= response.status_code < 500
    assert fake_server.count == 0


def test_events_stream_resumes_after_last_event_id(openai_client: TestClient) -> None:
    headers = login(openai_client)
    scan_id = _post(openai_client, headers, imagegen.unique_jpeg(4))
    wait_for_scan(openai_client, headers, scan_id)
    url = f"/api/v1/scans/{scan_id}/events"
    with openai_client.stream("GET", url, headers=headers) as stream:
        first = "".join(stream.iter_text())
    ids = [int(line[4:]) for line in first.splitlines() if line.startswith("id: ")]
    with openai_client.stream("GET", url, headers={**headers, "Last-Event-ID": str(ids[1])}) as stream:
        rest = "".join(stream.iter_text())
    assert [line[7:] for line in rest.splitlines() if line.startswith("event: ")] == ["grounding", "done"]


def test_every_listed_bad_input_is_4xx_without_a_model_call(
    openai_client: TestClient, fake_server: FakeOpenAI
) -> None:
    """The issue's list, against the OpenAI analyser: each refused with 4xx, the fake server never called."""
    alice, bob = login(openai_client, "alice"), login(openai_client, "bob")
    alices_key = upload(openai_client, alice, imagegen.jpeg())
    good = imagegen.jpeg()
    truncated = good[: len(good) // 2]

    def multipart(data: bytes, **fields: str) -> Any:
        files = {"image": ("x.jpg", data, "image/jpeg")}
        return openai_client.post("/api/v1/scans", files=files, data=fields, headers=bob)

    cases = {
        "non-image": (multipart(b"%PDF-1.4 not a photo" * 10), 415),
        "truncated-jpeg": (multipart(truncated), 422),
        "50-megapixel-png": (multipart(imagegen.huge_png(50)), 413),
        "zero-bytes": (multipart(b""), 422),
        "wrong-content-type": (
            openai_client.post("/api/v1/uploads", json={"content_type": "application/pdf"}, headers=bob),
            415,
        ),
        "another-users-key": (
            openai_client.post("/api/v1/scans", json={"upload_key": alices_key}, headers=bob),
            403,
        ),
        "note-10kB": (multipart(good, note="x" * 10_000), 422),
        "lat-out-of-range": (multipart(good, lat="91", lng="127"), 422),
        "lng-out-of-range": (multipart(good, lat="37.5", lng="181"), 422),
    }
    for name, (response, status) in cases.items():
        assert response.status_code == status, (name, response.text)
        body = response.json()
        assert body["code"] and body["detail"], name
    assert fake_server.count == 0
    with session_scope(openai_client.app.state.context.session_factory) as session:  # type: ignore[attr-defined]
        assert session.scalar(select(func.count()).select_from(Scan)) == 0


def test_identical_image_reuses_the_analysis_only_within_the_ttl(
    make_client: Callable[..., TestClient], fake_server: FakeOpenAI
) -> None:
    fake_server.reset()
    client = make_client(
        openai_api_key="sk-test", openai_base_url=fake_server.base_url, scan_cache_ttl_seconds=3600
    )
    headers = login(client)
    photo = imagegen.unique_jpeg(11)
    first = wait_for_scan(client, headers, _post(client, headers, photo))
    second = wait_for_scan(client, headers, _post(client, headers, photo))
    assert (first["result"]["cached"], second["result"]["cached"]) == (False, True)
    assert fake_server.count == 1
    # Both earlier analyses now finished just over an hour ago: outside the TTL, the model is asked again.
    with session_scope(client.app.state.context.session_factory) as session:  # type: ignore[attr-defined]
        session.execute(update(Scan).values(finished_at=utcnow() - timedelta(seconds=3601)))
    third_id = _post(client, headers, photo)
    third = wait_for_scan(client, headers, third_id)
    assert third["status"] == "done" and third["result"]["cached"] is False
    assert fake_server.count == 2
    with session_scope(client.app.state.context.session_factory) as session:  # type: ignore[attr-defined]
        row = session.get(Scan, uuid.UUID(third_id))
        assert row is not None and row.cached_from is None and row.prompt_tokens > 0
    fake_server.reset()
