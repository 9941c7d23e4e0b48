"""The item catalogue put in the vision prompt: every knowledge-base item id with a short Korean
description, so the model picks an *item*, not only one of the 18 categories.

One line per category, the category id named once, then its items as `item_id 한국어 이름`:

    carton: milk_carton 우유팩, aseptic_carton 멸균팩

The Korean name is the description; aliases are left out (each added ~4.9 o200k tokens, 1,572 over
324 items, and most repeated a word of the name). Grouping costs less than one `id: 이름` line per
item (3,347 against 3,780 o200k tokens at 324 items) and tells the model each item's category.

The size is measured by `bench/prompt_catalogue.py` with the o200k_base tokenizer and stated in
docs/knowledge-base.md. `estimate_tokens` is for where that tokenizer is not installed (tests, CI):
calibrated on 2026-12-04 against o200k_base over six prompt texts (instructions, this catalogue,
the compact schema, the earlier catalogue with aliases, and the aliases alone), it was within
`ESTIMATE_ERROR` of the real count on each.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING

from api.analyser.schema import response_format

if TYPE_CHECKING:
    from api.knowledge.bundle import KnowledgeBundle

#: What grounding may add to every call (instructions + catalogue + schema), in o200k tokens.
#: Why this number: docs/knowledge-base.md, "The prompt catalogue".
TOKEN_BUDGET = 6000
#: Largest relative error of `estimate_tokens` against o200k_base seen in its calibration (7.7%).
ESTIMATE_ERROR = 0.08
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_ALNUM = re.compile(r"[A-Za-z0-9]")
_PER_HANGUL, _PER_ALNUM, _PER_OTHER = 1.16, 0.15, 0.53


def catalogue_lines(bundle: KnowledgeBundle) -> list[str]:
    """One line per category that has items, in the bundle's category order."""
    lines = []
    for category_id in bundle.category_ids():
        entries = [f"{item.id} {item.name_ko}" for item in bundle.items_in(category_id)]
        if entries:
            lines.append(f"{category_id}: " + ", ".join(entries))
    return lines


def catalogue_text(bundle: KnowledgeBundle) -> str:
    return "\n".join(catalogue_lines(bundle))


def estimate_tokens(text: str) -> int:
    """o200k-calibrated estimate: a weight per Hangul syllable, ASCII letter or digit, other character."""
    hangul = len(_HANGUL.findall(text))
    alnum = len(_ALNUM.findall(text))
    other = len(text) - hangul - alnum
    return math.ceil(hangul * _PER_HANGUL + alnum * _PER_ALNUM + other * _PER_OTHER)


def grounding_parts(bundle: KnowledgeBundle, instructions: str) -> dict[str, str]:
    """The texts every call carries for grounding; the schema as the compact JSON the SDK sends."""
    schema = response_format({i.id for i in bundle.items}, bundle.category_ids())
    return {
        "instructions": instructions,
        "item catalogue": catalogue_text(bundle),
        "response schema": json.dumps(schema, ensure_ascii=False, separators=(",", ":")),
    }
