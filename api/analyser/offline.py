"""The embedded default: no network. Matches the user's note against the knowledge base.

It cannot see the photo, so confidence stays low and the summary says it ran offline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.analyser.base import Analysis, DetectedItem

if TYPE_CHECKING:
    from api.knowledge.bundle import KnowledgeBundle

OFFLINE_MODEL = "offline-kb-match"
MAX_CONFIDENCE = 0.4


class OfflineAnalyser:
    name = "offline"

    def __init__(self, bundle: KnowledgeBundle) -> None:
        self.bundle = bundle

    def analyse(self, *, image: bytes, content_type: str, note: str | None) -> Analysis:
        text = (note or "").strip()
        items: list[DetectedItem] = []
        if text:
            for item, score in self.bundle.search(text, 1):
                items.append(
                    DetectedItem(
                        label=item.name_ko,
                        category_id=item.category_id,
                        kb_item_id=item.id,
                        confidence=round(min(MAX_CONFIDENCE, max(0.05, float(score) * MAX_CONFIDENCE)), 2),
                    )
                )
        if items:
            summary = "오프라인 분석: 사진은 보지 않고 메모와 지식베이스를 대조했습니다."
        else:
            summary = "오프라인 분석: 메모에서 품목을 찾지 못했습니다. 품목 이름을 메모로 적어 주세요."
        return Analysis(provider=self.name, model=OFFLINE_MODEL, items=items, summary=summary, offline=True)
