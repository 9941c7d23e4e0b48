"""Pure functions: distances, boxes, Korea bounds, opening hours, category keywords."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.locations.categories import CATEGORY_IDS, DEFAULT_CATEGORIES, categories_from_text
from api.locations.geo import bounding_box, haversine_m, in_korea
from api.locations.hours import is_open, parse_day_text, parse_spec


def test_haversine_matches_known_distance() -> None:
    # Seoul City Hall -> Gangnam station is about 8.9 km.
    assert haversine_m(37.5663, 126.9779, 37.4979, 127.0276) == pytest.approx(8_900, rel=0.02)
    assert haversine_m(37.5, 127.0, 37.5, 127.0) == 0.0


def test_bounding_box_contains_the_circle() -> None:
    box = bounding_box(37.5, 127.0, 1000)
    # points exactly 1000 m north and east are inside the box
    assert box.max_lat > 37.5 + 1000 / 111_195 and box.min_lat < 37.5 - 1000 / 111_195
    assert haversine_m(37.5, 127.0, 37.5, box.max_lng) >= 1000


def test_in_korea() -> None:
    assert in_korea(37.5, 127.0) and in_korea(33.2, 126.5) and in_korea(37.24, 131.87)  # Dokdo
    assert not in_korea(127.0, 37.5) and not in_korea(35.68, 139.76) and not in_korea(0, 0)


def test_parse_day_text() -> None:
    assert parse_day_text("11:00 ~ 14:00") == [["11:00", "14:00"]]
    assert parse_day_text("09시~18시") == [["09:00", "18:00"]]
    assert parse_day_text("휴무") == []
    assert parse_day_text("") is None and parse_day_text("문의") is None


def test_parse_spec_and_errors() -> None:
    hours = parse_spec("mon-fri 09:00-18:00; sat 10:00-13:00; sun closed")
    assert hours["mon"] == hours["fri"] == [["09:00", "18:00"]] and hours["sun"] == []
    assert set(parse_spec("daily 15:00-04:00")) == {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
    with pytest.raises(ValueError, match="unknown day"):
        parse_spec("someday 09:00-10:00")
    with pytest.raises(ValueError, match="time range"):
        parse_spec("mon nine to five")


def test_is_open_in_seoul_time_including_overnight() -> None:
    hours = parse_spec("mon-fri 09:00-18:00; sat 15:00-04:00")
    # 2026-11-30 is a Monday. 01:00 UTC = 10:00 KST -> open; 10:00 UTC = 19:00 KST -> closed.
    assert is_open(hours, datetime(2026, 11, 30, 1, 0, tzinfo=UTC)) is True
    assert is_open(hours, datetime(2026, 11, 30, 10, 0, tzinfo=UTC)) is False
    # Sunday 02:00 KST (Saturday 17:00 UTC) is inside Saturday's overnight range.
    assert is_open(hours, datetime(2026, 12, 5, 17, 0, tzinfo=UTC)) is True
    # Sunday 12:00 KST: Sunday unknown.
    assert is_open(hours, datetime(2026, 12, 6, 3, 0, tzinfo=UTC)) is None
    assert is_open(None, datetime(2026, 11, 30, tzinfo=UTC)) is None


def test_categories_from_text() -> None:
    assert categories_from_text("형광등+건전지") == {"lamp", "battery"}
    assert categories_from_text("투명페트병\n알루미늄 캔\n종이팩") == {"pet_clear", "metal", "carton"}
    assert categories_from_text("유색페트병") == {"plastic"}
    assert categories_from_text(None) == set()


def test_default_categories_use_the_knowledge_base_vocabulary() -> None:
    for categories in DEFAULT_CATEGORIES.values():
        assert set(categories) <= CATEGORY_IDS


def test_category_ids_are_the_knowledge_base_ids() -> None:
    """Scans pass the knowledge base's category id to the nearest-point lookup: the sets must match."""
    from api.knowledge.loader import read_bundle

    assert set(read_bundle().category_ids()) == CATEGORY_IDS
