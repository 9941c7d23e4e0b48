"""Ranked search over the bundle: exact > prefix > word prefix > substring, Korean and English."""

from __future__ import annotations

from api.knowledge import load_bundle
from api.knowledge.search import normalize, term_score


def ids(query: str, limit: int = 10) -> list[str]:
    return [item.id for item, _ in load_bundle().search(query, limit)]


def test_normalize_ignores_case_width_and_spacing() -> None:
    assert normalize(" 투명  페트병 ") == normalize("투명페트병") == "투명페트병"
    assert normalize("Clear PET-Bottle") == "clearpetbottle"
    assert normalize("ＰＥＴ") == "pet"  # full-width letters (NFKC)


def test_tiers_are_ordered() -> None:
    query = normalize("페트")
    assert term_score(query, "페트", contained=False) == 1.0
    assert term_score(query, "페트병", contained=False) == 0.8
    assert term_score(query, "투명 페트병", contained=False) == 0.7
    assert term_score(query, "투명페트병", contained=False) == 0.5
    assert term_score(query, "유리병", contained=False) == 0.0


def test_korean_exact_name_wins_whitespace_insensitive() -> None:
    for query in ("투명 페트병", "투명페트병", " 투명  페트병"):
        hits = load_bundle().search(query)
        assert hits[0][0].id == "clear_pet_bottle"
        assert hits[0][1] == 1.0


def test_alias_exact_beats_prefix_of_another_name() -> None:
    # "캔" is an alias of the drink can; the other cans only contain it as a word or substring
    assert ids("캔")[0] == "beverage_can"
    assert {"food_can", "spray_can", "butane_canister"} <= set(ids("캔"))


def test_english_case_insensitive_and_word_prefix() -> None:
    assert ids("MILK CARTON")[0] == "milk_carton"
    assert ids("styrofoam")[0] == "styrofoam_box"
    hits = load_bundle().search("bottle")
    assert {"glass_bottle", "clear_pet_bottle", "sauce_bottle"} <= {item.id for item, _ in hits}
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)


def test_partial_korean_match_and_limit() -> None:
    found = ids("아이스")
    assert found[0] == "gel_ice_pack"  # alias "아이스팩" starts with the query
    assert "water_ice_pack" in found  # a word of "물 아이스팩" starts with it
    assert len(ids("병", limit=3)) == 3


def test_note_containing_a_name_matches_below_direct_hits() -> None:
    hits = load_bundle().search("어제 마신 투명 페트병 하나")
    assert hits and hits[0][0].id == "clear_pet_bottle"
    assert 0 < hits[0][1] < 0.5
    # a sentence ending is forgiven: "…이에요" is the name itself
    assert load_bundle().search("투명 페트병이에요")[0] == (load_bundle().item("clear_pet_bottle"), 1.0)


def test_no_match_and_blank_query() -> None:
    assert load_bundle().search("zzzz-unknown") == []
    assert load_bundle().search("   ") == []
    assert load_bundle().search("캔", limit=0) == []
