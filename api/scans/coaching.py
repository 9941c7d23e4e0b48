"""Render a stored scan result in one language, with the coaching message built from it alone.

The message has a fixed, short structure per item: what it is, where it goes, the hazard (before
any step), the steps, one common mistake; an uncertain item says so and asks its question. Every
word comes from the knowledge base (the model's free text is not stored at all).
"""

from __future__ import annotations

from typing import Any

from api.knowledge.text import pick

LANGUAGES = ("ko", "en")
MAX_MESSAGE = 2000

_WORDS = {
    "ko": {"steps": "방법", "mistake": "흔한 실수", "hazard": "주의", "unsure": "확실하지 않아요",
           "unknown": "무엇인지 알아보지 못했어요",
           "none": "품목을 알아보지 못했습니다. 다른 각도에서 찍거나 메모를 남겨 주세요.",
           "local": "지자체(구청·주민센터) 안내를 확인하세요.",
           "offline": "오프라인 분석: 사진은 보지 않고 메모를 지식베이스에서 찾았습니다."},
    "en": {"steps": "How", "mistake": "Common mistake", "hazard": "Caution", "unsure": "We are not sure",
           "unknown": "We could not tell what this is",
           "none": "No item recognised. Try another angle or add a note.",
           "local": "Check your district's guidance.",
           "offline": "Offline analysis: the photo was not looked at; your note was looked up."},
}  # fmt: skip


def negotiate(accept_language: str | None) -> str:
    """`Accept-Language` -> "ko" or "en" (Korean unless English is preferred over Korean)."""
    best, best_q = "ko", -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower()[:2]
        if lang not in LANGUAGES:
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = lang, q
    return best


def _texts(values: Any, lang: str) -> list[str]:
    if not values:
        return []
    if isinstance(values, str):
        return [values]
    return [text for text in (pick(v, lang) for v in values) if text]


def _question(question: Any, lang: str) -> dict[str, Any] | None:
    if not question:
        return None
    return {
        "kind": question["kind"],
        "attribute": question.get("attribute"),
        "text": pick(question["text"], lang),
        "answers": [
            {"value": a["value"], "label": pick(a["label"], lang), "bin": pick(a.get("bin"), lang)}
            for a in question["answers"]
        ],
    }


def render_item(item: dict[str, Any], lang: str) -> dict[str, Any]:
    mistakes = _texts(item.get("mistakes"), lang)
    return {
        **item,
        "status": item.get("status", "confirmed"),
        "kb_item_name": pick(item.get("kb_item_name"), lang),
        "category_name": pick(item.get("category_name"), lang),
        "bin": pick(item.get("bin"), lang),
        "steps": _texts(item.get("steps"), lang),
        "mistakes": mistakes,
        "common_mistake": mistakes[0] if mistakes else None,
        "hazard": pick(item.get("hazard"), lang),
        "question": _question(item.get("question"), lang),
        "alternatives": [
            {**a, "name": pick(a["name"], lang), "bin": pick(a.get("bin"), lang)}
            for a in item.get("alternatives") or []
        ],
    }


def _line(number: int, item: dict[str, Any], lang: str) -> str:
    words = _WORDS[lang]
    name = item.get("kb_item_name") or item["label"]
    if item["status"] == "unknown":
        question = item.get("question") or {}
        return f"{number}. {item['label']}: {question.get('text') or words['unknown'] + '.'}"
    parts = [f"{number}. {name}: {item['bin']}."]
    if item.get("hazard"):
        parts.append(f"{words['hazard']}: {item['hazard']}.")
    if item["steps"]:
        parts.append(f"{words['steps']}: {' / '.join(item['steps'])}.")
    if item.get("common_mistake"):
        parts.append(f"{words['mistake']}: {item['common_mistake']}.")
    if item.get("region_dependent"):
        parts.append(words["local"])
    if item["status"] == "needs_answer" and item.get("question"):
        parts.append(f"{words['unsure']}: {item['question']['text']}")
    return " ".join(parts)


def coaching_message(items: list[dict[str, Any]], lang: str, *, offline: bool = False) -> str:
    """The message for already rendered items."""
    lines = [_WORDS[lang]["offline"]] if offline else []
    lines += [_line(n, item, lang) for n, item in enumerate(items, 1)] or [_WORDS[lang]["none"]]
    return "\n".join(lines)[:MAX_MESSAGE]


def render_result(result: dict[str, Any], lang: str) -> dict[str, Any]:
    items = [render_item(item, lang) for item in result.get("items", [])]
    message = coaching_message(items, lang, offline=bool(result.get("offline")))
    return {**result, "items": items, "coaching": message, "language": lang}
