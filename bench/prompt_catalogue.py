"""Size of what the vision prompt carries for grounding: the item catalogue and the strict schema.

The system prompt lists every knowledge-base item (`id: 한국어 이름 (별칭, 별칭)`) and the JSON
schema's `item_id` enum lists every id again. This prints both, in characters and in a pessimistic
token estimate (`api.analyser.catalogue.estimate_tokens`: one token per Hangul syllable, one per
three other characters; the o200k tokenizer of GPT-4o class models needs fewer), and the budget.

    python bench/prompt_catalogue.py
"""

from __future__ import annotations

import json
import sys

from api.analyser.catalogue import catalogue_lines, estimate_tokens
from api.analyser.openai_provider import SYSTEM_PROMPT
from api.analyser.schema import response_format
from api.knowledge import load_bundle

#: What grounding may add to every call (prompt + schema), stated in docs/knowledge-base.md.
TOKEN_BUDGET = 6000


def main() -> int:
    bundle = load_bundle()
    lines = catalogue_lines(bundle)
    catalogue = "\n".join(lines)
    schema = json.dumps(
        response_format({i.id for i in bundle.items}, bundle.category_ids()), ensure_ascii=False
    )
    parts = {
        "instructions": SYSTEM_PROMPT,
        "item catalogue": catalogue,
        "response schema": schema,
    }
    total = 0
    sys.stdout.write(f"{len(bundle.items)} items, {len(lines)} catalogue lines\n")
    for name, text in parts.items():
        tokens = estimate_tokens(text)
        total += tokens
        sys.stdout.write(f"  {name:16} {len(text):6} chars  ~{tokens:5} tokens (upper estimate)\n")
    per_item = estimate_tokens(catalogue) / len(lines)
    sys.stdout.write(f"  total            ~{total} tokens; ~{per_item:.1f} per catalogue line\n")
    verdict = "within" if total <= TOKEN_BUDGET else "OVER"
    fits = int((TOKEN_BUDGET - total + estimate_tokens(catalogue)) / (per_item + 3))
    sys.stdout.write(f"  budget {TOKEN_BUDGET}: {verdict}; at this rate ~{fits} items fit\n")
    return 0 if total <= TOKEN_BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
