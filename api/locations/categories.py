"""The vocabulary of point types and accepted categories.

Category ids are the knowledge base's recyclable sub-classes (`api/knowledge/`). They are listed
here, in one place, so that this module can later read them from the knowledge base instead.
"""

from __future__ import annotations

from enum import StrEnum

CATEGORY_IDS: frozenset[str] = frozenset(
    {
        "paper", "carton", "pet_clear", "plastic", "vinyl", "eps", "glass", "metal", "textile",
        "battery", "lamp", "electronics", "medicine", "food", "general", "non_combustible", "bulky",
        "hazardous",
    }
)  # fmt: skip


class PointType(StrEnum):
    street_recycling_bin = "street_recycling_bin"
    street_general_bin = "street_general_bin"
    clothing_bin = "clothing_bin"
    battery_lamp_bin = "battery_lamp_bin"
    medicine_bin = "medicine_bin"
    clean_house = "clean_house"
    recycling_centre = "recycling_centre"
    compensation_shop = "compensation_shop"
    other = "other"


_RECYCLABLES = ("paper", "carton", "pet_clear", "plastic", "vinyl", "eps", "glass", "metal")

#: What a point of each type accepts when its dataset does not say (or says it only in free text).
DEFAULT_CATEGORIES: dict[PointType, tuple[str, ...]] = {
    PointType.street_recycling_bin: ("paper", "pet_clear", "plastic", "glass", "metal"),
    PointType.street_general_bin: ("general",),
    PointType.clothing_bin: ("textile",),
    PointType.battery_lamp_bin: ("battery", "lamp"),
    PointType.medicine_bin: ("medicine",),
    PointType.clean_house: (*_RECYCLABLES, "food", "general", "battery", "lamp"),
    PointType.recycling_centre: ("bulky", "electronics"),
    PointType.compensation_shop: ("paper", "pet_clear", "plastic", "metal"),
    PointType.other: (),
}

#: Outdoor bins you can walk up to at any hour: "open now" when the dataset gives no hours.
ALWAYS_OPEN_TYPES: frozenset[PointType] = frozenset(
    {PointType.street_recycling_bin, PointType.street_general_bin, PointType.clothing_bin}
)

# Korean keywords in free-text item lists ("형광등+건전지", "투명페트병\n캔") -> category ids.
# Earlier (longer) keywords consume their text, so "종이팩" is not also "종이" and "유색페트" not "페트".
# Matched on the lower-cased text with spaces removed; spellings seen in the KECO file are covered
# ("투명패트병", "투명페트명", "유색 PET", "PET(유색)", "판PET": sheet PET is not a clear bottle).
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("유색혼합pet", ("plastic",)), ("유색pet", ("plastic",)), ("pet(유색)", ("plastic",)),
    ("유색페트", ("plastic",)), ("유색패트", ("plastic",)), ("판pet", ("plastic",)),
    ("판페트", ("plastic",)), ("투명페트", ("pet_clear",)), ("투명패트", ("pet_clear",)),
    ("무색페트", ("pet_clear",)), ("무색패트", ("pet_clear",)), ("투명pet", ("pet_clear",)),
    ("페트", ("pet_clear",)), ("패트", ("pet_clear",)), ("pet", ("pet_clear",)), ("플라스틱", ("plastic",)),
    ("플리스틱", ("plastic",)), ("즉석밥", ("plastic",)), ("햇반", ("plastic",)), ("other", ("plastic",)),
    ("빨대", ("plastic",)), ("pp", ("plastic",)), ("pe비닐", ("vinyl",)), ("pe", ("plastic",)),
    ("ps", ("plastic",)), ("종이팩", ("carton",)), ("우유팩", ("carton",)), ("멸균팩", ("carton",)),
    ("종이", ("paper",)), ("박스", ("paper",)), ("서적", ("paper",)), ("신문", ("paper",)),
    ("책", ("paper",)), ("캔", ("metal",)), ("알루미늄", ("metal",)), ("고철", ("metal",)),
    ("철", ("metal",)), ("유리", ("glass",)), ("빈병", ("glass",)), ("공병", ("glass",)),
    ("녹색병", ("glass",)), ("갈색", ("glass",)), ("소주병", ("glass",)), ("맥주병", ("glass",)),
    ("비닐", ("vinyl",)), ("스티로폼", ("eps",)), ("건전지", ("battery",)), ("전지", ("battery",)),
    ("배터리", ("battery",)), ("형광등", ("lamp",)), ("폐조명", ("lamp",)), ("의류", ("textile",)),
    ("헌옷", ("textile",)), ("옷", ("textile",)), ("섬유", ("textile",)), ("의약품", ("medicine",)),
    ("약품", ("medicine",)), ("소형가전", ("electronics",)), ("가전", ("electronics",)),
    ("전자제품", ("electronics",)), ("가구", ("bulky",)), ("대형폐기물", ("bulky",)), ("음식물", ("food",)),
    ("일반쓰레기", ("general",)), ("일반,", ("general",)), ("담배", ("general",)), ("종량제", ("general",)),
    ("재활용", ("paper", "pet_clear", "plastic", "glass", "metal")), ("불연성", ("non_combustible",)),
    ("유해", ("hazardous",)),
)  # fmt: skip


def categories_from_text(text: str | None) -> set[str]:
    """Category ids named by keywords in a free-text item list (substring match, as datasets vary)."""
    if not text:
        return set()
    lowered = "".join(text.lower().split())
    found: set[str] = set()
    for keyword, categories in _KEYWORDS:
        if keyword in lowered:
            found.update(categories)
            lowered = lowered.replace(keyword, " ")
    return found


def normalise_categories(categories: set[str] | list[str] | tuple[str, ...]) -> list[str]:
    """Known ids only, sorted: the stored form."""
    return sorted(c for c in set(categories) if c in CATEGORY_IDS)
