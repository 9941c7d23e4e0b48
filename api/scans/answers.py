"""Answering a scan's question or correcting its item: re-ground from the stored analysis.

No analyser call is made: the stored identification plus the user's answer log give a new
result. A correction of the item ("this is 우유팩") is also kept as labelled feedback
(`scan_feedback.expected_item_id` next to what we had matched) for later evaluation.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from api.db import utcnow
from api.domain_errors import Conflict, InvalidInput
from api.knowledge.attributes import VALUES, Attribute
from api.scans.models import Scan, ScanFeedback
from api.scans.pipeline import ground_scan
from api.scans.runtime import ScanRuntime
from api.scans.status import ScanStatus

MIN_TEXT_MATCH = 0.2  # the weakest bundle tier: the name occurs inside the text


def _item_from_text(runtime: ScanRuntime, text: str) -> str:
    hits = runtime.bundle.search(text, 1)
    if not hits or hits[0][1] < MIN_TEXT_MATCH:
        raise InvalidInput(
            f"no knowledge-base item matches {text!r}; send item_id instead", code="unknown_item"
        )
    return str(hits[0][0].id)


def _check_item(runtime: ScanRuntime, item_id: str) -> str:
    if runtime.bundle.item(item_id) is None:
        raise InvalidInput(f"item_id {item_id!r} is not a knowledge-base item", code="unknown_item")
    return item_id


def _check_attribute(attribute: str, value: str | None) -> tuple[str, str]:
    try:
        known = Attribute(attribute)
    except ValueError:
        names = ", ".join(a.value for a in Attribute)
        raise InvalidInput(
            f"attribute {attribute!r} is not one of {names}", code="unknown_attribute"
        ) from None
    if value not in VALUES[known]:
        raise InvalidInput(
            f"value for {attribute} must be one of {', '.join(VALUES[known])}", code="invalid_answer"
        )
    return known.value, value


def answer_scan(
    *, session: Session, runtime: ScanRuntime, scan: Scan, user_id: uuid.UUID, item_index: int,
    attribute: str | None = None, value: str | None = None, item_id: str | None = None,
    text: str | None = None, comment: str | None = None,
) -> Scan:  # fmt: skip
    """Validate the answer, append it to the scan's answer log and store the re-grounded result."""
    if scan.status != ScanStatus.done or not scan.result or scan.analysis is None:
        raise Conflict("the scan has no result yet; answer once it is done", code="scan_not_done")
    items = scan.result.get("items") or []
    if not 0 <= item_index < len(items):
        raise InvalidInput(
            f"item_index {item_index} is out of range (the scan has {len(items)} items)",
            code="invalid_item_index",
        )
    given = sum(x is not None for x in (attribute, item_id, text))
    if given != 1:
        raise InvalidInput("send exactly one of attribute+value, item_id or text", code="invalid_answer")
    entry: dict[str, Any] = {"index": item_index, "at": utcnow().isoformat()}
    if attribute is not None:
        entry["attribute"], entry["value"] = _check_attribute(attribute, value)
    else:
        if item_id == "other":
            raise InvalidInput("tell us what it is: send text with its name", code="invalid_answer")
        chosen = _check_item(runtime, item_id) if item_id else _item_from_text(runtime, text or "")
        entry["item_id"] = chosen
        predicted = items[item_index].get("kb_item_id")
        if chosen != predicted:
            item = runtime.bundle.item(chosen)
            session.add(
                ScanFeedback(
                    scan_id=scan.id, user_id=user_id, correct=False, item_index=item_index,
                    expected_item_id=chosen, predicted_item_id=predicted,
                    expected_category_id=item.category_id if item is not None else None,
                    comment=comment or text,
                )
            )  # fmt: skip
    answers = [*(scan.result.get("answers") or []), entry]
    scan.result = ground_scan(runtime, session, scan, answers=answers)
    scan.updated_at = utcnow()
    session.commit()
    return scan
