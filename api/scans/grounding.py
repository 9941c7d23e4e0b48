"""Ground the analyser's identification in the knowledge base: it cannot be overridden.

The model (or the offline matcher) says *which* knowledge-base item an object is (or `unknown`)
and what it observed; bin, steps, mistakes and hazards are read from the knowledge base only:

* a matched item always wins over the model's category guess;
* the item's conditional rules are chosen by the observed attributes (and the user's answers);
* below the confidence threshold, for an unknown object, or when an attribute that would change
  the bin was not observed, the result says so and carries one question with its answers;
* the model's free text is never part of the result.

Stored results keep both languages (`{ko, en}`); `api.scans.coaching` renders one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from api.analyser.base import Analysis, DetectedItem
from api.knowledge.attributes import QUESTIONS, UNKNOWN, VALUES, Attribute
from api.knowledge.text import Bilingual, split

if TYPE_CHECKING:
    from api.knowledge.bundle import KnowledgeBundle
    from api.knowledge.schema import Item

DEFAULT_THRESHOLD = 0.6
OFFLINE_THRESHOLD = 0.28  # the offline matcher scales its scores to <= 0.4: below 0.28 = a weak match
LABEL_MATCH_SCORE = 0.7  # a label search hit at least this good identifies the item
MAX_ALTERNATIVES = 3
NearbyLookup = Callable[[str], list[dict[str, Any]]]


class Status:
    confirmed = "confirmed"
    needs_answer = "needs_answer"
    unknown = "unknown"


@dataclass(frozen=True)
class Guidance:
    category_id: str
    bin: str
    steps: tuple[str, ...]
    mistakes: tuple[str, ...]
    hazard: str | None


def _base(item: Item) -> Guidance:
    return Guidance(item.category_id, item.bin, tuple(item.steps), tuple(item.mistakes), item.hazard)


def resolve(item: Item, attributes: dict[str, str]) -> Guidance:
    """The first condition whose `when` all match the attributes, else the item's own guidance."""
    for condition in item.conditions:
        if all(attributes.get(str(a)) == v for a, v in condition.when.items()):
            return Guidance(
                condition.category_id, condition.bin, tuple(condition.steps),
                tuple(condition.mistakes), condition.hazard,
            )  # fmt: skip
    return _base(item)


def open_attribute(item: Item, attributes: dict[str, str]) -> Attribute | None:
    """The first unobserved attribute whose possible values lead to different bins, if any."""
    seen: list[Attribute] = []
    for condition in item.conditions:
        seen.extend(a for a in condition.when if a not in seen)
    for attribute in seen:
        if attributes.get(attribute.value, UNKNOWN) != UNKNOWN:
            continue
        bins = {resolve(item, {**attributes, attribute.value: v}).bin for v in VALUES[attribute]}
        if len(bins) > 1:
            return attribute
    return None


def match_item(bundle: KnowledgeBundle, detected: DetectedItem) -> Item | None:
    """The item the model named; else a strong label match. The category guess never decides."""
    if detected.kb_item_id:
        found = bundle.item(detected.kb_item_id)
        if found is not None:
            return found
    hits = bundle.search(detected.label, 1) if detected.label else []
    if hits and hits[0][1] >= LABEL_MATCH_SCORE:
        return hits[0][0]
    return None


def _bilingual(texts: Iterable[str]) -> list[Bilingual]:
    return [split(text) for text in texts]


def _name(item: Item) -> Bilingual:
    return {"ko": item.name_ko, "en": item.name_en}


def _alternatives(bundle: KnowledgeBundle, detected: DetectedItem, exclude: str | None) -> list[Item]:
    """Other items the object may be: label search first, then the guessed category's items."""
    found: list[Item] = []
    for item, _score in bundle.search(detected.label, 8) if detected.label else []:
        if item.id != exclude and item not in found:
            found.append(item)
    if len(found) < MAX_ALTERNATIVES and bundle.category(detected.category_id) is not None:
        found.extend(i for i in bundle.items_in(detected.category_id) if i.id != exclude and i not in found)
    return found[:MAX_ALTERNATIVES]


def _alternative_out(item: Item) -> dict[str, Any]:
    return {"kb_item_id": item.id, "name": _name(item), "category_id": item.category_id,
            "bin": split(resolve(item, {}).bin)}  # fmt: skip


def _item_question(item: Item | None, alternatives: list[Item]) -> dict[str, Any]:
    if item is not None:
        text = {"ko": f"이것이 '{item.name_ko}'인가요?", "en": f"Is this a {item.name_en.lower()}?"}
        candidates = [item, *alternatives]
    else:
        text = {"ko": "무엇인지 확실하지 않아요. 어떤 물건인가요?",
                "en": "We are not sure what this is. Which is it?"}  # fmt: skip
        candidates = alternatives
    answers: list[dict[str, Any]] = [
        {"value": c.id, "label": _name(c), "bin": split(resolve(c, {}).bin)} for c in candidates
    ]
    other = {"ko": "다른 물건이에요 (이름을 알려 주세요)", "en": "Something else (tell us its name)"}
    answers.append({"value": "other", "label": other, "bin": None})
    return {"kind": "item", "attribute": None, "text": text, "answers": answers}


def _attribute_question(item: Item, attribute: Attribute, attributes: dict[str, str]) -> dict[str, Any]:
    question = QUESTIONS[attribute]
    answers = []
    for value in VALUES[attribute]:
        outcome = resolve(item, {**attributes, attribute.value: value})
        ko, en = question.answers[value]
        answers.append({"value": value, "label": {"ko": ko, "en": en}, "bin": split(outcome.bin)})
    return {"kind": "attribute", "attribute": attribute.value,
            "text": {"ko": question.ko, "en": question.en}, "answers": answers}  # fmt: skip


def _threshold(analysis: Analysis, threshold: float) -> float:
    return OFFLINE_THRESHOLD if analysis.offline else threshold


def _localise(
    bundle: KnowledgeBundle, item: Item, guidance: Guidance, region: dict[str, str] | None
) -> tuple[Guidance, Any]:
    """The district's rule for the item, when the scan's region has one (`regions.yaml`)."""
    where = region or {}
    override = bundle.region_override(item.id, where.get("sido"), where.get("sigungu"))
    if override is None:
        return guidance, None
    steps = tuple(override.steps) if override.steps else guidance.steps
    if override.note:
        steps = (override.note, *steps)
    localised = Guidance(guidance.category_id, override.bin or guidance.bin, steps, guidance.mistakes,
                         guidance.hazard)  # fmt: skip
    return localised, override


def ground_item(
    bundle: KnowledgeBundle, detected: DetectedItem, *, threshold: float = DEFAULT_THRESHOLD,
    answers: dict[str, str] | None = None, region: dict[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One detected object as stored in the result. `answers` holds the user's replies for it:
    `item` (a knowledge-base id: the user's correction) and attribute values; `region` the scan's
    시도/시군구 when known."""
    answers = answers or {}
    attributes = {k: v for k, v in detected.attributes.items() if v != UNKNOWN}
    if detected.contamination and detected.contamination != UNKNOWN:
        attributes.setdefault(Attribute.contamination.value, detected.contamination)
    confidence = detected.confidence
    item = bundle.item(answers["item"]) if answers.get("item") else None
    if item is not None:
        confidence = 1.0
    else:
        item = match_item(bundle, detected)
    attributes.update({k: v for k, v in answers.items() if k != "item"})
    if item is not None:
        attributes = {**{a.value: v for a, v in item.assume.items()}, **attributes}
    alternatives = _alternatives(bundle, detected, item.id if item is not None else None)
    out: dict[str, Any] = {
        "label": detected.label, "material": detected.material, "shape": detected.shape,
        "is_mixed": attributes.get(Attribute.mixed.value) == "yes" or detected.is_mixed,
        "contamination": attributes.get(Attribute.contamination.value, detected.contamination),
        "attributes": attributes, "confidence": confidence,
        "alternatives": [_alternative_out(a) for a in alternatives],
    }  # fmt: skip
    if item is None:
        category = bundle.category(detected.category_id)
        out.update(
            status=Status.unknown, kb_item_id=None, kb_item_name=None, category_id=None,
            category_name=None, bin=None, steps=[], mistakes=[], hazard=None,
            region_dependent=False, source=category.source if category is not None else None,
            question=_item_question(None, alternatives),
        )  # fmt: skip
        return out
    guidance, override = _localise(bundle, item, resolve(item, attributes), region)
    category = bundle.category(guidance.category_id)
    question = None
    if confidence < threshold and "item" not in answers:
        question = _item_question(item, alternatives)
    else:
        attribute = open_attribute(item, attributes)
        if attribute is not None:
            question = _attribute_question(item, attribute, attributes)
    out.update(
        status=Status.needs_answer if question else Status.confirmed,
        kb_item_id=item.id, kb_item_name=_name(item), category_id=guidance.category_id,
        category_name={"ko": category.name_ko, "en": category.name_en} if category else None,
        bin=split(guidance.bin), steps=_bilingual(guidance.steps), mistakes=_bilingual(guidance.mistakes),
        hazard=split(guidance.hazard) if guidance.hazard else None,
        region_dependent=bool(item.region_dependent), source=item.source, question=question,
        local_rule=None if override is None else {
            "sido": override.sido, "sigungu": override.sigungu, "source": override.source},
    )  # fmt: skip
    return out


def answers_by_item(answers: list[dict[str, Any]]) -> dict[int, dict[str, str]]:
    """The stored answer log (oldest first) folded into the latest reply per item and question."""
    folded: dict[int, dict[str, str]] = {}
    for answer in answers:
        replies = folded.setdefault(int(answer["index"]), {})
        if answer.get("item_id"):
            replies.clear()  # a corrected item starts over: earlier attribute replies were for another
            replies["item"] = str(answer["item_id"])
        elif answer.get("attribute"):
            replies[str(answer["attribute"])] = str(answer["value"])
    return folded


def build_result(
    bundle: KnowledgeBundle, analysis: Analysis, *, nearby: NearbyLookup | None, cached: bool,
    threshold: float = DEFAULT_THRESHOLD, answers: list[dict[str, Any]] | None = None,
    region: dict[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The stored scan result. `nearby(category_id)` finds points (None: the scan has no location);
    `region` ({sido, sigungu}, from reverse geocoding) selects district rules."""
    replies = answers_by_item(answers or [])
    limit = _threshold(analysis, threshold)
    items = [
        ground_item(bundle, detected, threshold=limit, answers=replies.get(n), region=region)
        for n, detected in enumerate(analysis.items)
    ]
    looked_up: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        category = item["category_id"]
        if nearby is None or category is None:
            item["nearby_points"] = None if nearby is None else []
            continue
        if category not in looked_up:
            looked_up[category] = nearby(category)
        item["nearby_points"] = looked_up[category]
    return {
        "items": items,
        "provider": analysis.provider,
        "model": analysis.model,
        "offline": analysis.offline,
        "usage": {
            "prompt_tokens": analysis.prompt_tokens,
            "completion_tokens": analysis.completion_tokens,
            "total_tokens": analysis.prompt_tokens + analysis.completion_tokens,
        },
        "cached": cached,
        "nearby_points": items[0]["nearby_points"] if items else (None if nearby is None else []),
        "answers": list(answers or []),
        "region": region,
    }
