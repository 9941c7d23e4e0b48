"""The item catalogue put in the vision prompt: every knowledge-base item id with a short Korean
description, so the model picks an *item*, not only one of the 18 categories.

One line per item, `id: 이름 (별칭, 별칭)`, at most `MAX_ALIASES` Korean alias(es). The size is
measured by `bench/prompt_catalogue.py` and stated in docs/knowledge-base.md; `estimate_tokens`
is a deliberately pessimistic count (every Hangul syllable one token, other text one token per
three characters), so the real o200k count is lower.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.knowledge.bundle import KnowledgeBundle
    from api.knowledge.schema import Item

MAX_ALIASES = 1
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_ASCII_ONLY = re.compile(r"^[\x00-\x7f]+$")


def _korean_aliases(item: Item) -> list[str]:
    return [a for a in item.aliases if not _ASCII_ONLY.match(a) and a != item.name_ko][:MAX_ALIASES]


def catalogue_lines(bundle: KnowledgeBundle) -> list[str]:
    lines = []
    for item in bundle.items:
        aliases = _korean_aliases(item)
        lines.append(f"{item.id}: {item.name_ko}" + (f" ({', '.join(aliases)})" if aliases else ""))
    return lines


def catalogue_text(bundle: KnowledgeBundle) -> str:
    return "\n".join(catalogue_lines(bundle))


def estimate_tokens(text: str) -> int:
    hangul = len(_HANGUL.findall(text))
    return hangul + math.ceil((len(text) - hangul) / 3)
