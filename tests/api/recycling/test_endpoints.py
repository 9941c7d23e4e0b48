"""`/api/v1/recycling` against the real PostgreSQL, seeded from the packaged knowledge base."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.knowledge import load_bundle
from api.knowledge.search import CONTAINED_BASE, CONTAINED_SPAN

pytestmark = pytest.mark.services
BASE = "/api/v1/recycling"


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(f"{BASE}/items", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_categories_in_file_order_with_counts(kb_client: TestClient) -> None:
    response = kb_client.get(f"{BASE}/categories")
    assert response.status_code == 200
    body = response.json()
    bundle = load_bundle()
    assert [c["id"] for c in body["categories"]] == bundle.category_ids()
    assert body["count"] == len(bundle.categories)
    assert sum(c["item_count"] for c in body["categories"]) == len(bundle.items)
    pet = next(c for c in body["categories"] if c["id"] == "pet_clear")
    assert pet["major_class"] == "recyclable"
    assert "투명페트병" in pet["bin"] and pet["steps"] and pet["source"].startswith("수원시")


def test_empty_query_lists_items_in_file_order(kb_client: TestClient) -> None:
    body = search(kb_client)
    bundle = load_bundle()
    assert body["total"] == len(bundle.items)
    assert body["count"] == 20
    assert [i["id"] for i in body["items"]] == [i.id for i in bundle.items[:20]]
    assert all(i["score"] is None for i in body["items"])
    every = search(kb_client, limit=100, category="medicine")
    assert {i["id"] for i in every["items"]} == {i.id for i in bundle.items_in("medicine")}


def test_korean_search_is_ranked_and_whitespace_insensitive(kb_client: TestClient) -> None:
    for q in ("투명 페트병", "투명페트병"):
        body = search(kb_client, q=q)
        assert body["items"][0]["id"] == "clear_pet_bottle"
        assert body["items"][0]["score"] == 1.0
    body = search(kb_client, q="페트")
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True) and len(scores) >= 3


def test_english_and_alias_search(kb_client: TestClient) -> None:
    assert search(kb_client, q="Milk Carton")["items"][0]["id"] == "milk_carton"
    assert search(kb_client, q="생수병")["items"][0]["id"] == "clear_pet_bottle"  # alias
    assert search(kb_client, q="POWER BAN")["items"][0]["id"] == "power_bank"  # prefix, any case


@pytest.mark.parametrize("q", ["캔", "bottle", "병", "아이스", "스티로", "종이", "LED"])
def test_database_ranking_matches_the_bundle(kb_client: TestClient, q: str) -> None:
    body = search(kb_client, q=q, limit=100)
    direct = CONTAINED_BASE + CONTAINED_SPAN  # the bundle also finds names inside a longer text; below this
    expected = [(item.id, score) for item, score in load_bundle().search(q, limit=100) if score > direct]
    assert [(i["id"], i["score"]) for i in body["items"]] == expected
    assert body["total"] == len(expected)


def test_category_filter_and_limit(kb_client: TestClient) -> None:
    body = search(kb_client, q="병", category="glass", limit=1)
    assert body["count"] == 1 and body["total"] >= 2
    assert body["items"][0]["category_id"] == "glass"


def test_like_wildcards_are_literal(kb_client: TestClient) -> None:
    assert search(kb_client, q="%")["total"] == 0
    assert search(kb_client, q="페%트")["total"] == 0


def test_item_detail(kb_client: TestClient) -> None:
    response = kb_client.get(f"{BASE}/items/butane_canister")
    assert response.status_code == 200
    body = response.json()
    assert body["category"]["id"] == "metal"
    assert body["category"]["name_ko"] == "캔·고철류"
    assert body["category"]["major_class"] == "recyclable"
    assert body["region_dependent"] is True
    assert any("지자체" in step for step in body["steps"])
    assert body["mistakes"] and "nowon.kr" in body["source"]


def test_unknown_item_is_a_clear_404(kb_client: TestClient) -> None:
    response = kb_client.get(f"{BASE}/items/flying_saucer")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "item_not_found"
    assert body["detail"].startswith("no knowledge-base item with id 'flying_saucer'")


def field_errors(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {".".join(map(str, e["loc"])): e["msg"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"q": "가" * 101}, "query.q", "at most 100 characters"),
        ({"limit": 0}, "query.limit", "greater than or equal to 1"),
        ({"limit": 101}, "query.limit", "less than or equal to 100"),
        ({"limit": "ten"}, "query.limit", "valid integer"),
        ({"category": "furnitures"}, "query.category", "unknown category 'furnitures'"),
    ],
)
def test_bad_search_input_is_422_naming_the_field(
    kb_client: TestClient, params: dict[str, Any], field: str, message: str
) -> None:
    errors = field_errors(kb_client.get(f"{BASE}/items", params=params))
    assert field in errors
    assert message in errors[field]


def test_malformed_item_id_is_422(kb_client: TestClient) -> None:
    errors = field_errors(kb_client.get(f"{BASE}/items/Not-An-Id"))
    assert "path.item_id" in errors
