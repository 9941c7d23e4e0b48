"""The analyser interface: identify what is in a photo. Guidance comes from the knowledge base.

Errors are split by what a retry could change: `TransientAnalyserError` (rate limits, timeouts,
5xx, connection errors) is retried with backoff; `PermanentAnalyserError` (bad image, refusal,
schema violation after the repair attempt, exhausted quota) fails the scan at once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


class AnalyserError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class TransientAnalyserError(AnalyserError):
    """Worth retrying later (429 rate limit, timeout, 5xx, connection error)."""


class PermanentAnalyserError(AnalyserError):
    """Retrying cannot help (bad image, refusal, invalid output after repair, insufficient quota)."""


@dataclass
class DetectedItem:
    label: str
    category_id: str
    confidence: float
    material: str | None = None
    shape: str | None = None
    is_mixed: bool = False
    contamination: str | None = None
    kb_item_id: str | None = None
    #: observed attributes (`api.knowledge.attributes`), only those the photo showed
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Analysis:
    provider: str
    model: str
    items: list[DetectedItem]
    summary: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    offline: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        items = [DetectedItem(**item) for item in data.get("items", [])]
        rest = {k: v for k, v in data.items() if k != "items"}
        return cls(items=items, **rest)


class Analyser(Protocol):
    name: str

    def analyse(self, *, image: bytes, content_type: str, note: str | None) -> Analysis: ...
