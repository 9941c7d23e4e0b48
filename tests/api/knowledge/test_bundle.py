"""The packaged knowledge base: vocabulary, coverage and the shape every item must have."""

from __future__ import annotations

import re

from api.knowledge import MAJOR_CLASSES, load_bundle

RECYCLABLE_SUBCLASSES = [
    "paper", "carton", "pet_clear", "plastic", "vinyl", "eps",
    "glass", "metal", "textile", "battery", "lamp", "electronics",
]  # fmt: skip
OTHER_CATEGORIES = ["general", "non_combustible", "food", "bulky", "hazardous", "medicine"]


def test_category_vocabulary_is_the_shared_one() -> None:
    bundle = load_bundle()
    assert bundle.category_ids() == RECYCLABLE_SUBCLASSES + OTHER_CATEGORIES
    majors = {c.major_class for c in bundle.categories}
    assert majors == set(MAJOR_CLASSES), "every major class has at least one category"
    assert bundle.category("electronics") is not None
    assert bundle.category("electronics").major_class == "ewaste"  # type: ignore[union-attr]
    assert bundle.category("medicine").major_class == "hazardous"  # type: ignore[union-attr]


def test_at_least_sixty_items_each_fully_described() -> None:
    bundle = load_bundle()
    assert len(bundle.items) >= 60
    hangul = re.compile(r"[가-힣]")
    for item in bundle.items:
        assert hangul.search(item.name_ko), item.id
        assert re.search(r"[A-Za-z]", item.name_en), item.id
        assert item.bin and item.steps and item.mistakes, item.id
        assert "http" in item.source or "github:" in item.source, item.id
        assert bundle.category(item.category_id) is not None
    every_category_used = {item.category_id for item in bundle.items}
    assert every_category_used == set(bundle.category_ids())


def test_region_dependent_guidance_says_to_check_locally() -> None:
    """Every region-dependent category and item says, in the bin, steps or mistakes the user reads,
    to check the district's rule (지자체, 구청, 주민센터, 동네 or district): that text is what a user
    gets wherever regions.yaml has no rule for their 시군구, which is most of the country for every
    item, so it is required of the items with district rules too."""
    local = re.compile(r"지자체|구청|주민센터|동네|district")
    bundle = load_bundle()
    for entry in [*bundle.categories, *bundle.items]:
        text = " ".join([entry.bin, *entry.steps, *entry.mistakes])
        if entry.region_dependent:
            assert local.search(text), f"{entry.id} is region dependent but never says to check locally"


#: Items with at least one per-시군구 rule in regions.yaml (each citing that district's page). The
#: other region-dependent items have no district source yet: national rule plus "check locally".
ITEMS_WITH_DISTRICT_RULES = {
    "courier_bag", "plastic_bag", "insulated_pouch", "butane_canister", "spray_can",
    "gas_cylinder_camping", "styrofoam_box", "packaging_foam", "loose_fill_foam", "mercury_thermometer",
    "paint_can", "paint_thinner", "antifreeze_engine_oil", "pesticide", "household_chemicals",
    "syringe_needle", "clothes", "curtain_carpet", "battery_household", "broken_glass", "drinking_glass",
    "crystal_glass", "heat_resistant_glass", "mirror", "ceramics", "ceramic_mug", "paper_cup", "shells",
    "shrimp_shell",
}  # fmt: skip


def test_district_rules_that_replace_the_bin_or_steps_are_on_region_dependent_items() -> None:
    """A district replacing the bin or steps of an item marked national would contradict its text (a
    district's `note` may add to any item, e.g. 관악구 on coloured film); the list only grows."""
    bundle = load_bundle()
    for override in bundle.regions:
        item = bundle.item(override.item_id)
        assert item is not None
        if override.bin or override.steps:
            assert item.region_dependent, f"{item.id}: {override.sigungu} replaces a national rule"
    with_rules = {override.item_id for override in bundle.regions}
    assert with_rules >= ITEMS_WITH_DISTRICT_RULES, sorted(ITEMS_WITH_DISTRICT_RULES - with_rules)


def test_lookup_and_cached_loading() -> None:
    bundle = load_bundle()
    assert load_bundle() is bundle
    pet = bundle.item("clear_pet_bottle")
    assert pet is not None and pet.category_id == "pet_clear"
    assert any("라벨" in step for step in pet.steps)
    assert bundle.item("no_such_item") is None
    assert all(i.category_id == "medicine" for i in bundle.items_in("medicine"))


#: Items whose only sources are secondary (blogs, reposts, the predecessor's data): an official page
#: (ministry, 분리배출.kr, a city or district office) is still to be found. This list only shrinks.
WITHOUT_OFFICIAL_SOURCE: set[str] = set()


def test_every_item_cites_an_official_source() -> None:
    import yaml

    from api.knowledge.loader import DATA_DIR

    sources = yaml.safe_load((DATA_DIR / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    blog_only = set()
    for path in DATA_DIR.glob("items_*.yaml"):
        for record in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
            if all(sources[key].get("secondary") for key in record["sources"]):
                blog_only.add(record["id"])
    assert blog_only <= WITHOUT_OFFICIAL_SOURCE, f"cite an official source for {sorted(blog_only)}"


#: Items whose only official citation is the item dictionary's index page or the ministry's item
#: dataset, not a page about the item: no official item or district page for them has been found
#: yet (shared/domain has none; searches of stored public pages found news and blogs only).
#: Their 분리배출.kr `dictionaryView.do?niIdx=` page is the next citation to add. This list only
#: shrinks.
ONLY_INDEX_OR_DATASET = {
    "cushion_compact", "disposable_razor", "soap_bar", "contact_lens", "eyeglasses", "pacifier",
    "silicone_item", "shower_filter", "shoe_insole", "phone_case", "melamine_dish", "plastic_toy",
    "matches", "fireworks", "dry_ice", "jewellery", "magnet_sticker", "chip_canister", "pencil_crayon",
    "eraser_glue", "cassette_video_tape", "sports_ball",
}  # fmt: skip
GENERIC_SOURCES = {"bunri_dictionary", "mcee_item_service"}


def test_items_citing_only_the_dictionary_index_or_the_dataset_do_not_grow() -> None:
    import yaml

    from api.knowledge.loader import DATA_DIR

    sources = yaml.safe_load((DATA_DIR / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    generic_only = set()
    for path in DATA_DIR.glob("items_*.yaml"):
        for record in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
            official = {key for key in record["sources"] if not sources[key].get("secondary")}
            if official <= GENERIC_SOURCES:
                generic_only.add(record["id"])
    assert generic_only <= ONLY_INDEX_OR_DATASET, f"cite an item or district page for {sorted(generic_only)}"


def test_no_internal_ids_in_user_visible_text() -> None:
    bundle = load_bundle()
    ids = {i.id for i in bundle.items} | set(bundle.category_ids())
    snake = {i for i in ids if "_" in i}
    for item in bundle.items:
        texts = [item.bin, *item.steps, *item.mistakes, item.hazard or ""]
        for condition in item.conditions:
            texts += [condition.bin, *condition.steps, *condition.mistakes, condition.hazard or ""]
        leaked = {i for i in snake for t in texts if i in t}
        assert not leaked, f"{item.id}: internal id(s) {leaked} in user-visible text"


def test_a_district_rule_is_found_by_its_districts_name_and_only_there() -> None:
    bundle = load_bundle()
    cup = bundle.region_override("paper_cup", "서울특별시", "금천구")
    assert cup is not None and cup.bin is not None and "종이류" in cup.bin
    shells = bundle.region_override("shells", "대구광역시", "서구")
    assert shells is not None and shells.note is not None and "갑각류" in shells.note
    sack = bundle.region_override("ceramics", "전북특별자치도", "군산시")
    assert sack is not None and sack.bin is not None and "마대" in sack.bin
    assert bundle.region_override("paper_cup", "서울특별시", "관악구") is None
    assert bundle.region_override("shells", None, None) is None
