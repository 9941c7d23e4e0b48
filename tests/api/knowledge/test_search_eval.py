"""The search evaluation sets (>= 200 queries) keep their accuracy, and forgiving search works."""

from __future__ import annotations

import pytest

from api.knowledge import load_bundle
from api.knowledge.search import normalize_query
from tests.api.knowledge.eval.search_eval import HELD_OUT, QUERIES, evaluate, load_queries


def test_the_sets_are_big_enough_and_name_real_items() -> None:
    ids = {item.id for item in load_bundle().items}
    queries = load_queries(QUERIES) + load_queries(HELD_OUT)
    assert len(load_queries(QUERIES)) >= 200
    assert {expected for _, expected in queries} <= ids


@pytest.mark.parametrize(("path", "floor"), [(QUERIES, 0.97), (HELD_OUT, 0.9)], ids=["main", "held-out"])
def test_accuracy_floor(path: object, floor: float) -> None:
    report = evaluate(path=path)  # type: ignore[arg-type]
    assert report.top1_rate >= floor, report.misses
    assert report.top3_rate >= report.top1_rate


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("패트병", "clear_pet_bottle"), ("스티로폴", "styrofoam_box"), ("밧데리", "battery_household"),
        ("우유곽", "milk_carton"), ("깡통", "beverage_can"), ("병뚜껑", "plastic_bottle_cap"),
        ("batteries", "battery_household"), ("대형폐기물", "bulky_waste_sticker"),
        ("스티커", "bulky_waste_sticker"), ("피자 박스 어떻게 버려?", "pizza_box"),
        ("페트", "clear_pet_bottle"),
    ],
)  # fmt: skip
def test_forgiving_search_from_the_issue(query: str, expected: str) -> None:
    assert load_bundle().search(query, 1)[0][0].id == expected


def test_question_words_and_particles_are_dropped() -> None:
    assert normalize_query("피자 박스 어떻게 버려?") == "피자박스"
    assert normalize_query("치킨뼈는") == "치킨뼈"
    assert normalize_query("버려") == "버려"  # nothing left to search: the query is kept
