"""The strict JSON schema the vision model answers in, and its validation.

The model only *identifies*: `item_id` is an enum of knowledge-base item ids plus `unknown`, and
the attributes it observed (transparency, label, cap, contamination, broken, mixed materials,
contents) are enums of `api.knowledge.attributes`, `unknown` when the photo does not show them.
There is no free-text advice field: everything the user is told comes from the knowledge base.
`category_id` is a guess kept only to rank alternatives when the item is `unknown`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from api.analyser.base import DetectedItem
from api.knowledge.attributes import UNKNOWN, VALUES, Attribute

SCHEMA_NAME = "waste_scan"
CONTAMINATION = ["none", "light", "heavy", "unknown"]
MAX_ITEMS = 5
UNKNOWN_ITEM = "unknown"

#: Schema property name of each observed attribute (the model reads these names).
ATTRIBUTE_FIELDS: dict[str, Attribute] = {
    "transparency": Attribute.transparency,
    "packaging_label": Attribute.label,
    "cap": Attribute.cap,
    "contamination": Attribute.contamination,
    "broken": Attribute.broken,
    "mixed_materials": Attribute.mixed,
    "contents": Attribute.contents,
}


class SchemaViolation(ValueError):
    pass


def _enum(attribute: Attribute) -> list[str]:
    return [*VALUES[attribute], UNKNOWN]


def response_schema(item_ids: Iterable[str], category_ids: Iterable[str]) -> dict[str, Any]:
    attributes = {
        name: {"type": "string", "enum": _enum(attribute)} for name, attribute in ATTRIBUTE_FIELDS.items()
    }
    properties: dict[str, Any] = {
        "item_id": {"type": "string", "enum": [*sorted(item_ids), UNKNOWN_ITEM]},
        "label": {"type": "string", "description": "what the object is, in Korean"},
        "material": {"type": ["string", "null"]},
        **attributes,
        "category_id": {"type": "string", "enum": sorted(category_ids)},
        "confidence": {"type": "number", "description": "0..1, that item_id is right"},
    }
    item = {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": item}},
    }


def response_format(item_ids: Iterable[str], category_ids: Iterable[str]) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {
            "name": SCHEMA_NAME,
            "schema": response_schema(item_ids, category_ids),
            "strict": True,
        },
    }


def _attribute(raw: dict[str, Any], name: str, attribute: Attribute) -> str:
    value = raw.get(name)
    return value if isinstance(value, str) and value in VALUES[attribute] else UNKNOWN


def parse_item(raw: Any, index: int, item_ids: set[str], category_ids: set[str]) -> DetectedItem:
    if not isinstance(raw, dict):
        raise SchemaViolation(f"items[{index}] must be an object")
    item_id = raw.get("item_id", UNKNOWN_ITEM)
    if item_id != UNKNOWN_ITEM and item_id not in item_ids:
        raise SchemaViolation(f"items[{index}].item_id {item_id!r} is not a knowledge-base item")
    category = raw.get("category_id")
    if category not in category_ids:
        raise SchemaViolation(f"items[{index}].category_id {category!r} is not a knowledge-base category")
    label = raw.get("label")
    confidence = raw.get("confidence")
    if not isinstance(label, str) or not label.strip():
        raise SchemaViolation(f"items[{index}].label must be a non-empty string")
    if not isinstance(confidence, int | float) or isinstance(confidence, bool):
        raise SchemaViolation(f"items[{index}].confidence must be a number")
    observed = {attr.value: _attribute(raw, name, attr) for name, attr in ATTRIBUTE_FIELDS.items()}
    material = raw.get("material")
    return DetectedItem(
        label=label.strip()[:200],
        category_id=str(category),
        confidence=round(min(1.0, max(0.0, float(confidence))), 3),
        material=material[:100] if isinstance(material, str) else None,
        is_mixed=observed[Attribute.mixed.value] == "yes",
        contamination=observed[Attribute.contamination.value],
        kb_item_id=None if item_id == UNKNOWN_ITEM else str(item_id),
        attributes={k: v for k, v in observed.items() if v != UNKNOWN},
    )


def parse_response(content: str | None, item_ids: set[str], category_ids: set[str]) -> list[DetectedItem]:
    """Validate the model's JSON against the schema rules that matter; raise SchemaViolation.

    A `summary` or other free text the model adds anyway is ignored, never shown.
    """
    if not content:
        raise SchemaViolation("empty response")
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise SchemaViolation(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise SchemaViolation("expected an object with an 'items' array")
    return [
        parse_item(raw, index, item_ids, category_ids) for index, raw in enumerate(data["items"][:MAX_ITEMS])
    ]
