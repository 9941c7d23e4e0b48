"""Acceptance, part 1: the embedded profile end to end (SQLite, local storage, in-process tasks)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api import migrate
from api.context import AppContext
from api.knowledge import load_bundle
from api.knowledge.text import split
from api.main import create_app
from api.settings import Settings
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, upload, wait_for_scan


@pytest.fixture
def embedded(make_settings: Callable[..., Settings]) -> Iterator[TestClient]:
    settings = make_settings()
    profile = settings.profile()
    assert profile["database"] == "sqlite" and profile["tasks"] == "in-process"
    assert profile["storage"] == "local" and profile["analyser"] == "offline"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.resolved_database_url)
    ctx = AppContext.from_settings(settings)
    with TestClient(create_app(context=ctx)) as client:
        yield client
    ctx.close()


def test_upload_scan_poll_returns_clear_pet_guidance(embedded: TestClient) -> None:
    headers = login(embedded)
    key = upload(embedded, headers, imagegen.jpeg(1600, 1200, orientation=6, gps=1))
    created = embedded.post("/api/v1/scans", json={"upload_key": key, "note": "투명 페트병"}, headers=headers)
    assert created.status_code == 202, created.text
    body = created.json()
    assert body["status"] == "queued"
    assert body["result_url"].endswith(f"/api/v1/scans/{body['id']}")
    assert body["events_url"] == body["result_url"] + "/events"

    scan = wait_for_scan(embedded, headers, body["id"])
    assert scan["status"] == "done", scan
    result = scan["result"]
    assert result["offline"] is True and result["provider"] == "offline"
    item = result["items"][0]
    assert item["category_id"] == "pet_clear"
    kb_item = load_bundle().item(item["kb_item_id"])
    assert kb_item is not None and kb_item.category_id == "pet_clear"
    assert item["steps"] == [split(s)["ko"] for s in kb_item.steps]
    assert item["mistakes"] == [split(m)["ko"] for m in kb_item.mistakes]
    assert item["bin"] == split(kb_item.bin)["ko"] and item["status"] == "confirmed"
    assert 0 < item["confidence"] <= 0.4
    assert "오프라인" in result["coaching"]
    assert result["nearby_points"] is None

    with embedded.stream("GET", body["events_url"], headers=headers) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        text = "".join(stream.iter_text())
    stages = [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("event: ")]
    assert stages == ["queued", "analysing", "grounding", "done"]
