"""The strict JSON schema the vision model must answer in, and its validation.

The category field is an enum of knowledge-base category ids, so the model cannot invent a class;
it only identifies. Bins, steps and mistakes are added later from the knowledge base.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from api.analyser.base import DetectedItem

SCHEMA_NAME = "waste_scan"
CONTAMINATION = ["none", "light", "heavy", "unknown"]
MAX_ITEMS = 5


class SchemaViolation(ValueError):
    pass


def response_schema(category_ids: Iterable[str]) -> dict[str, Any]:
    item = {
        "type": "object",
        "additionalProperties": False,
        "required": ["label", "material", "shape", "is_mixed", "contamination", "category_id", "confidence"],
        "properties": {
            "label": {"type": "string", "description": "what the object is, in Korean"},
            "material": {"type": ["string", "null"]},
            "shape": {"type": ["string", "null"]},
            "is_mixed": {
                "type": "boolean",
                "description": "made of several materials that cannot be separated",
            },
            "contamination": {"type": "string", "enum": CONTAMINATION},
            "category_id": {"type": "string", "enum": sorted(category_ids)},
            "confidence": {"type": "number", "description": "0..1"},
        },
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["items", "summary"],
        "properties": {
            "items": {"type": "array", "items": item},
            "summary": {"type": "string", "description": "one short coaching sentence in Korean"},
        },
    }


def response_format(category_ids: Iterable[str]) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "schema": response_schema(category_ids), "strict": True},
    }


def parse_response(content: str | None, category_ids: set[str]) -> tuple[list[DetectedItem], str]:
    """Validate the model's JSON against the schema rules that matter; raise SchemaViolation."""
    if not content:
        raise SchemaViolation("empty response")
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise SchemaViolation(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise SchemaViolation("expected an object with an 'items' array")
    summary = data.get("summary")
    if not isinstance(summary, str):
        raise SchemaViolation("'summary' must be a string")
    items: list[DetectedItem] = []
    for index, raw in enumerate(data["items"][:MAX_ITEMS]):
        if not isinstance(raw, dict):
            raise SchemaViolation(f"items[{index}] must be an object")
        category = raw.get("category_id")
        if category not in category_ids:
            raise SchemaViolation(f"items[{index}].category_id {category!r} is not a knowledge-base category")
        label = raw.get("label")
        confidence = raw.get("confidence")
        if not isinstance(label, str) or not label.strip():
            raise SchemaViolation(f"items[{index}].label must be a non-empty string")
        if not isinstance(confidence, int | float) or isinstance(confidence, bool):
            raise SchemaViolation(f"items[{index}].confidence must be a number")
        contamination = raw.get("contamination")
        items.append(
            DetectedItem(
                label=label.strip()[:200],
                category_id=str(category),
                confidence=round(min(1.0, max(0.0, float(confidence))), 3),
                material=raw.get("material") if isinstance(raw.get("material"), str) else None,
                shape=raw.get("shape") if isinstance(raw.get("shape"), str) else None,
                is_mixed=bool(raw.get("is_mixed", False)),
                contamination=contamination if contamination in CONTAMINATION else "unknown",
            )
        )
    return items, summary.strip()[:500]
