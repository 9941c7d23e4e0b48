"""Ground the analyser's identification in the knowledge base: bin, steps, mistakes come from here.

The model (or the offline matcher) only says *what* an object is and which category it belongs
to; everything the user is told to do is read from the knowledge base.
"""

from __future__ import annotations

from typing import Any

from api.analyser.base import Analysis, DetectedItem


def _texts(values: Any) -> list[str]:
    if not values:
        return []
    if isinstance(values, str):
        return [values]
    return [str(value) for value in values]


def _match_item(bundle: Any, detected: DetectedItem) -> Any | None:
    if detected.kb_item_id:
        found = bundle.item(detected.kb_item_id)
        if found is not None:
            return found
    candidates = bundle.search(detected.label, 5) if detected.label else []
    for item, _score in candidates:
        if item.category_id == detected.category_id:
            return item
    return None


def ground_item(bundle: Any, detected: DetectedItem) -> dict[str, Any]:
    item = _match_item(bundle, detected)
    category_id = item.category_id if item is not None else detected.category_id
    category = bundle.category(category_id)
    source = item if item is not None else category
    return {
        "label": detected.label,
        "material": detected.material,
        "shape": detected.shape,
        "is_mixed": detected.is_mixed,
        "contamination": detected.contamination,
        "category_id": category_id,
        "category_name": category.name_ko if category is not None else None,
        "kb_item_id": item.id if item is not None else None,
        "kb_item_name": item.name_ko if item is not None else None,
        "confidence": detected.confidence,
        "bin": str(source.bin) if source is not None else None,
        "steps": _texts(source.steps) if source is not None else [],
        "mistakes": _texts(source.mistakes) if source is not None else [],
        "region_dependent": bool(source.region_dependent) if source is not None else False,
        "source": str(source.source) if source is not None and source.source else None,
    }


def coaching_message(analysis: Analysis, items: list[dict[str, Any]]) -> str:
    parts = [analysis.summary] if analysis.summary else []
    if items:
        first = items[0]
        where = first["bin"] or first["category_name"] or first["category_id"]
        parts.append(f"{first['label']}: {where}.")
        if first["steps"]:
            parts.append(first["steps"][0])
    elif not analysis.summary:
        parts.append("품목을 알아보지 못했습니다. 다른 각도에서 찍거나 메모를 남겨 주세요.")
    return " ".join(part.strip() for part in parts if part.strip())[:600]


def build_result(
    bundle: Any, analysis: Analysis, *, nearby: list[dict[str, Any]] | None, cached: bool
) -> dict[str, Any]:
    items = [ground_item(bundle, detected) for detected in analysis.items]
    return {
        "items": items,
        "coaching": coaching_message(analysis, items),
        "provider": analysis.provider,
        "model": analysis.model,
        "offline": analysis.offline,
        "usage": {
            "prompt_tokens": analysis.prompt_tokens,
            "completion_tokens": analysis.completion_tokens,
            "total_tokens": analysis.prompt_tokens + analysis.completion_tokens,
        },
        "cached": cached,
        "nearby_points": nearby,
    }
