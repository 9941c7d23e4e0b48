"""Korean and English kept apart: the data files write "한국어 문장 (English sentence)"."""

from __future__ import annotations

import re
from typing import TypedDict

_TRAILING_ENGLISH = re.compile(r"^(?P<ko>.*?)\s*\((?P<en>[^()]*[A-Za-z][^()]*)\)\s*$", re.S)


class Bilingual(TypedDict):
    ko: str
    en: str


def split(text: str) -> Bilingual:
    """`"종량제 봉투에 넣는다 (general bag)"` -> ko `종량제 봉투에 넣는다`, en `general bag`.

    Text without a trailing English part is used for both languages.
    """
    match = _TRAILING_ENGLISH.match(text.strip())
    if match and match["ko"].strip():
        return {"ko": match["ko"].strip(), "en": match["en"].strip()}
    return {"ko": text.strip(), "en": text.strip()}


def pick(value: object, lang: str) -> str | None:
    """One language of a stored `{ko, en}` (or a plain string from results stored before the split)."""
    if value is None:
        return None
    if isinstance(value, dict):
        text = value.get(lang) or value.get("ko")
        return str(text) if text is not None else None
    return str(value)
