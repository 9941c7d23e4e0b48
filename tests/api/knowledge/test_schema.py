"""A broken data file fails loading with a message naming the file, the record and the field."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.knowledge import KnowledgeBaseError, read_bundle
from api.knowledge.loader import DATA_DIR

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return target


def edit(directory: Path, name: str, change: Edit) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def item(data: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(entry for entry in data["items"] if entry["id"] == item_id)


def assert_fails(directory: Path, *fragments: str) -> None:
    """Loading fails and the message contains every fragment (in order)."""
    with pytest.raises(KnowledgeBaseError) as caught:
        read_bundle(directory)
    message = str(caught.value)
    position = 0
    for fragment in fragments:
        found = message.find(fragment, position)
        assert found >= 0, f"{fragment!r} not in {message!r}"
        position = found + len(fragment)


def test_the_unmodified_copy_loads(data_copy: Path) -> None:
    assert len(read_bundle(data_copy).items) >= 60


def test_missing_required_field_names_file_item_and_field(data_copy: Path) -> None:
    edit(data_copy, "items_plastics.yaml", lambda d: item(d, "snack_bag").pop("name_en"))
    with pytest.raises(KnowledgeBaseError) as caught:
        read_bundle(data_copy)
    message = str(caught.value)
    assert message.startswith("items_plastics.yaml: items[")
    assert "(id 'snack_bag')" in message
    assert "name_en: Field required" in message


def test_empty_steps_and_wrong_type_are_refused(data_copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        item(d, "newspaper")["steps"] = []
        item(d, "beverage_can")["region_dependent"] = "sometimes"

    edit(data_copy, "items_paper_glass_metal.yaml", change)
    with pytest.raises(KnowledgeBaseError) as caught:
        read_bundle(data_copy)
    message = str(caught.value)
    assert "(id 'newspaper'): steps: List should have at least 1 item" in message
    assert "(id 'beverage_can'): region_dependent:" in message


def test_unknown_major_class_in_categories(data_copy: Path) -> None:
    edit(data_copy, "categories.yaml", lambda d: d["categories"][0].update(major_class="recycle"))
    assert_fails(data_copy, "categories.yaml: categories[0] (id 'paper'): major_class")


def test_unknown_category_and_source_references(data_copy: Path) -> None:
    edit(data_copy, "items_special.yaml", lambda d: item(d, "sofa").update(category_id="furnitures"))
    assert_fails(data_copy, "items_special.yaml: item 'sofa': category_id: unknown category")
    edit(data_copy, "items_special.yaml", lambda d: item(d, "sofa").update(category_id="bulky"))
    edit(data_copy, "items_special.yaml", lambda d: item(d, "sofa").update(sources=["nope"]))
    assert_fails(data_copy, "item 'sofa': sources: unknown source key")


def test_duplicate_ids_across_files(data_copy: Path) -> None:
    edit(data_copy, "items_special.yaml", lambda d: item(d, "sofa").update(id="newspaper"))
    assert_fails(data_copy, "items_special.yaml: item 'newspaper': id: duplicate id (also in")


def test_unexpected_field_and_bad_id(data_copy: Path) -> None:
    edit(data_copy, "items_plastics.yaml", lambda d: item(d, "straw").update(colour="red"))
    assert_fails(data_copy, "(id 'straw'): colour: Extra inputs are not permitted")


def test_invalid_yaml_and_missing_file(data_copy: Path) -> None:
    (data_copy / "items_plastics.yaml").write_text("items: [unclosed\n", encoding="utf-8")
    assert_fails(data_copy, "items_plastics.yaml: not valid YAML")
    (data_copy / "sources.yaml").unlink()
    assert_fails(data_copy, "sources.yaml: file is missing")


def test_ids_must_be_snake_case(data_copy: Path) -> None:
    edit(data_copy, "items_plastics.yaml", lambda d: item(d, "straw").update(id="Straw-1"))
    assert_fails(data_copy, "items_plastics.yaml: items[", "(id 'Straw-1'): id: String should match")


def test_conditions_and_regions_are_validated(data_copy: Path) -> None:
    def bad_condition(d: dict[str, Any]) -> None:
        item(d, "newspaper")["conditions"] = [{"when": {"contamination": "filthy"}, "category_id": "general"}]

    edit(data_copy, "items_paper_glass_metal.yaml", bad_condition)
    assert_fails(data_copy, "(id 'newspaper'): conditions.0", "'filthy' is not one of none, light, heavy")


def test_a_region_rule_needs_a_known_item_and_an_official_source(data_copy: Path) -> None:
    edit(data_copy, "regions.yaml", lambda d: d["regions"][0]["items"].update(spaceship={"note": "x"}))
    assert_fails(data_copy, "regions.yaml: regions[0] (서울특별시 관악구): items: unknown item 'spaceship'")
    edit(data_copy, "regions.yaml", lambda d: d["regions"][0].update(items={"courier_bag": {"note": "x"}},
                                                                  sources=["blog_general"]))  # fmt: skip
    assert_fails(data_copy, "regions.yaml: regions[0]", "needs an official source")


def test_region_override_matches_the_start_of_kakaos_sigungu() -> None:
    from api.knowledge import load_bundle

    bundle = load_bundle()
    assert bundle.region_override("battery_household", "경상남도", "창원시 의창구") is not None
    assert bundle.region_override("battery_household", "경상남도", "김해시") is None
    assert bundle.region_override("courier_bag", "서울특별시", "관악구") is not None
