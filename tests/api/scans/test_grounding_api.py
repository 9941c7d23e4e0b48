"""Grounding through the API with the OpenAI analyser against the fake server (issue 14).

The fake model answers plausible but wrong things; what the user is told comes from the
knowledge base; uncertain answers become a question that `POST /answer` settles without a new
model call; corrections are kept as labelled feedback; every item gets its own nearby points.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from api.context import AppContext
from api.db import session_scope
from api.locations.categories import PointType
from api.scans.models import ScanFeedback
from tests.api.analyser.fake_openai import FakeOpenAI, answer_item
from tests.api.locations.conftest import add_points, record
from tests.api.locations.fake_kakao import FakeKakao
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, wait_for_scan

MODEL_ADVICE = "모델이 쓴 조언: 음식물 쓰레기로 버리세요."


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def client(make_client: Callable[..., TestClient], fake_server: FakeOpenAI) -> Iterator[TestClient]:
    fake_server.reset()
    original = fake_server.answer
    yield make_client(
        openai_api_key="sk-test", openai_base_url=fake_server.base_url, scan_cache_ttl_seconds=0
    )
    fake_server.answer = original
    fake_server.reset()


def _scan(
    client: TestClient, fake: FakeOpenAI, *items: dict[str, Any], seed: int, **form: str
) -> dict[str, Any]:
    fake.answer = {"items": list(items), "summary": MODEL_ADVICE}
    headers = login(client)
    files = {"image": ("x.jpg", imagegen.unique_jpeg(seed), "image/jpeg")}
    response = client.post("/api/v1/scans", files=files, data=form, headers=headers)
    assert response.status_code == 202, response.text
    scan = wait_for_scan(client, headers, response.json()["id"])
    assert scan["status"] == "done", scan
    scan["_headers"] = headers
    return scan


@pytest.mark.parametrize(
    "case",
    [
        (answer_item("bones", "치킨 뼈", "food", 0.95), "bones", "general", "종량제"),
        (answer_item("receipt", "영수증", "paper", 0.9), "receipt", "general", "종량제"),
        (answer_item("milk_carton", "우유팩", "paper", 0.9), "milk_carton", "carton", "종이팩"),
    ],
    ids=["chicken-bones", "receipt", "milk-carton"],
)
def test_the_item_wins_over_the_models_category_and_its_free_text_is_never_shown(
    client: TestClient, fake_server: FakeOpenAI, case: tuple[dict[str, Any], str, str, str]
) -> None:
    model_says, expected_item, expected_category, bin_word = case
    scan = _scan(client, fake_server, model_says, seed=hash(expected_item) % 1000)
    item = scan["result"]["items"][0]
    assert (item["kb_item_id"], item["category_id"], item["status"]) == (
        expected_item,
        expected_category,
        "confirmed",
    )
    assert bin_word in item["bin"]
    assert MODEL_ADVICE not in str(scan["result"])
    assert scan["result"]["coaching"].startswith(f"1. {item['kb_item_name']}: {item['bin']}.")
    assert fake_server.problems == []


@pytest.mark.parametrize(
    ("contamination", "category", "status"),
    [("none", "paper", "confirmed"), ("heavy", "general", "confirmed"), ("unknown", "paper", "needs_answer")],
)
def test_pizza_box_by_grease(
    client: TestClient, fake_server: FakeOpenAI, contamination: str, category: str, status: str
) -> None:
    box = answer_item("pizza_box", "피자 박스", "paper", 0.9, contamination=contamination)
    item = _scan(client, fake_server, box, seed=100 + len(contamination))["result"]["items"][0]
    assert (item["category_id"], item["status"]) == (category, status)
    if status == "needs_answer":
        question = item["question"]
        assert question["kind"] == "attribute" and question["attribute"] == "contamination"
        bins = {a["value"]: a["bin"] for a in question["answers"]}
        assert "종이류" in bins["none"] and "종량제" in bins["heavy"]


def test_answering_regrounds_without_a_model_call_and_in_english(
    client: TestClient, fake_server: FakeOpenAI
) -> None:
    box = answer_item("pizza_box", "피자 박스", "paper", 0.9)
    scan = _scan(client, fake_server, box, seed=201)
    calls = fake_server.count
    url = f"/api/v1/scans/{scan['id']}/answer"
    response = client.post(
        url, json={"item_index": 0, "attribute": "contamination", "value": "heavy"},
        headers={**scan["_headers"], "Accept-Language": "en-US,en;q=0.9,ko;q=0.5"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.headers["Content-Language"] == "en"
    item = response.json()["result"]["items"][0]
    assert (item["category_id"], item["status"], item["question"]) == ("general", "confirmed", None)
    assert item["bin"] == "general volume-rate bag" and item["kb_item_name"] == "Pizza box"
    assert all(not any("\uac00" <= ch <= "\ud7a3" for ch in step) for step in item["steps"])
    assert fake_server.count == calls
    again = client.get(f"/api/v1/scans/{scan['id']}", headers=scan["_headers"]).json()
    assert again["result"]["items"][0]["category_id"] == "general" and again["result"]["language"] == "ko"


def test_bad_answers_are_precise_4xx(client: TestClient, fake_server: FakeOpenAI) -> None:
    scan = _scan(client, fake_server, answer_item("pizza_box", "피자 박스", "paper", 0.9), seed=202)
    url, headers = f"/api/v1/scans/{scan['id']}/answer", scan["_headers"]
    cases = [
        ({"attribute": "colour", "value": "red"}, "unknown_attribute"),
        ({"attribute": "contamination", "value": "filthy"}, "invalid_answer"),
        ({"item_id": "flux_capacitor"}, "unknown_item"),
        ({"item_index": 3, "item_id": "milk_carton"}, "invalid_item_index"),
        ({"attribute": "broken", "value": "yes", "item_id": "milk_carton"}, "invalid_answer"),
        ({"text": "우주선 부품"}, "unknown_item"),
    ]
    for body, code in cases:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422 and response.json()["code"] == code, (body, response.text)
    other = login(client, "someone-else")
    assert client.post(url, json={"item_id": "milk_carton"}, headers=other).status_code == 404


def test_low_confidence_asks_which_item_and_a_correction_is_labelled_feedback(
    client: TestClient, fake_server: FakeOpenAI
) -> None:
    unsure = answer_item("paper_cup", "종이 용기", "paper", 0.35)
    scan = _scan(client, fake_server, unsure, seed=203)
    item = scan["result"]["items"][0]
    assert item["status"] == "needs_answer" and item["question"]["kind"] == "item"
    assert item["question"]["answers"][0]["value"] == "paper_cup" and item["alternatives"]
    response = client.post(
        f"/api/v1/scans/{scan['id']}/answer", json={"text": "이건 우유팩이에요"}, headers=scan["_headers"]
    )
    assert response.status_code == 200, response.text
    corrected = response.json()["result"]["items"][0]
    assert (corrected["kb_item_id"], corrected["category_id"], corrected["status"]) == (
        "milk_carton", "carton", "confirmed",
    )  # fmt: skip
    context: AppContext = client.app.state.context  # type: ignore[attr-defined]
    with session_scope(context.session_factory) as session:
        rows = list(session.scalars(select(ScanFeedback)))
        assert [(r.expected_item_id, r.predicted_item_id, r.expected_category_id) for r in rows] == [
            ("milk_carton", "paper_cup", "carton")
        ]


def test_an_unknown_object_is_not_given_general_waste_advice(
    client: TestClient, fake_server: FakeOpenAI
) -> None:
    odd = answer_item("unknown", "정체를 알 수 없는 부품", "general", 0.5)
    item = _scan(client, fake_server, odd, seed=204)["result"]["items"][0]
    assert item["status"] == "unknown" and item["bin"] is None and item["steps"] == []
    assert item["question"]["kind"] == "item" and item["question"]["answers"][-1]["value"] == "other"


def test_every_item_is_coached_with_its_own_nearby_points(
    client: TestClient, fake_server: FakeOpenAI
) -> None:
    context: AppContext = client.app.state.context  # type: ignore[attr-defined]
    add_points(context, [
        record("b1", 37.5665, 126.9780, PointType.battery_lamp_bin, categories=["battery", "lamp"]),
        record("r1", 37.5667, 126.9782, PointType.street_recycling_bin),
    ])  # fmt: skip
    bottle = answer_item(
        "clear_pet_bottle", "생수병", "pet_clear", 0.9, transparency="clear", packaging_label="off"
    )
    battery = answer_item("power_bank", "보조배터리", "battery", 0.9)
    result = _scan(client, fake_server, bottle, battery, seed=205, lat="37.5663", lng="126.9779")["result"]
    first, second = result["items"]
    assert [p["name"] for p in first["nearby_points"]] == ["point r1"]
    assert [p["name"] for p in second["nearby_points"]] == ["point b1"]
    assert second["hazard"] and "리튬" in second["hazard"]
    lines = result["coaching"].splitlines()
    assert lines[0].startswith("1. 투명 페트병:") and lines[1].startswith("2. 보조배터리:")
    assert lines[1].index("주의:") < lines[1].index("방법:")


def test_a_coloured_bottle_goes_to_plastics(client: TestClient, fake_server: FakeOpenAI) -> None:
    bottle = answer_item("clear_pet_bottle", "사이다병", "pet_clear", 0.9, transparency="coloured")
    item = _scan(client, fake_server, bottle, seed=206)["result"]["items"][0]
    assert (item["category_id"], item["status"]) == ("plastic", "confirmed")


def test_a_broken_lamp_shows_the_hazard_before_the_steps(client: TestClient, fake_server: FakeOpenAI) -> None:
    lamp = answer_item("fluorescent_lamp", "형광등", "lamp", 0.9, broken="yes")
    result = _scan(client, fake_server, lamp, seed=207)["result"]
    item = result["items"][0]
    assert item["category_id"] == "general" and "수은" in item["hazard"]
    assert result["coaching"].index("주의:") < result["coaching"].index("방법:")


def test_the_district_rule_is_chosen_by_reverse_geocoding_and_cached(
    make_client: Callable[..., TestClient], fake_server: FakeOpenAI, httpserver: HTTPServer
) -> None:
    kakao = FakeKakao(api_key="kakao-key")
    kakao.install(httpserver)
    kakao.add_region(37.4784, 126.9516, sido="서울특별시", sigungu="관악구", dong="봉천동", code="1162010100")
    kakao.add_region(37.6542, 127.0568, sido="서울특별시", sigungu="노원구", dong="상계동", code="1135010500")
    fake_server.reset()
    client = make_client(
        openai_api_key="sk-test", openai_base_url=fake_server.base_url, scan_cache_ttl_seconds=0,
        kakao_rest_api_key="kakao-key", kakao_local_base_url=httpserver.url_for("/").rstrip("/"),
        locations_kakao_min_points=0,
    )  # fmt: skip
    bag = answer_item("courier_bag", "택배 비닐", "vinyl", 0.9)
    scan = _scan(client, fake_server, bag, seed=301, lat="37.4785", lng="126.9517")
    gwanak = scan["result"]
    assert gwanak["region"]["sigungu"] == "관악구"
    item = gwanak["items"][0]
    assert item["local_rule"]["sigungu"] == "관악구" and "관악구" in item["steps"][0]
    assert "gwanak.go.kr" in item["local_rule"]["source"]
    elsewhere = _scan(client, fake_server, bag, seed=302, lat="37.6543", lng="127.0569")["result"]
    assert elsewhere["region"]["sigungu"] == "노원구" and elsewhere["items"][0]["local_rule"] is None

    def geocoded() -> int:
        return sum(
            1 for r in kakao.requests if "x" in r and "query" not in r and "category_group_code" not in r
        )

    assert geocoded() == 2
    answered = client.post(f"/api/v1/scans/{scan['id']}/answer", json={"item_id": "courier_bag"},
                           headers=scan["_headers"])  # fmt: skip
    assert answered.status_code == 200 and answered.json()["result"]["items"][0]["local_rule"]
    assert geocoded() == 2  # re-grounding reuses the stored district
    fake_server.reset()
