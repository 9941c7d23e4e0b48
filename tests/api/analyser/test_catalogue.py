"""The item catalogue in the vision prompt: every item once, with its Korean name, within the budget."""

from __future__ import annotations

import re

from api.analyser.catalogue import (
    ESTIMATE_ERROR,
    TOKEN_BUDGET,
    catalogue_lines,
    estimate_tokens,
    grounding_parts,
)
from api.analyser.openai_provider import SYSTEM_PROMPT
from api.knowledge import load_bundle


def test_every_item_is_listed_once_under_its_category_with_its_korean_name() -> None:
    bundle = load_bundle()
    lines = catalogue_lines(bundle)
    by_category = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in lines}
    assert len(by_category) == len(lines), "a category is named once"
    for item in bundle.items:
        entries = [e for e in by_category[item.category_id].split(", ") if e.split(" ", 1)[0] == item.id]
        assert entries == [f"{item.id} {item.name_ko}"], item.id
    listed = [entry.split(" ", 1)[0] for line in by_category.values() for entry in line.split(", ")]
    assert sorted(listed) == sorted(i.id for i in bundle.items)


def test_no_item_name_breaks_the_catalogue_format() -> None:
    for item in load_bundle().items:
        assert not re.search(r"[,:\n]", item.name_ko), item.id


def test_grounding_fits_the_token_budget_even_at_the_estimates_worst_error() -> None:
    """bench/prompt_catalogue.py measures with o200k; without that tokenizer the estimate decides."""
    parts = grounding_parts(load_bundle(), SYSTEM_PROMPT)
    total = sum(estimate_tokens(text) for text in parts.values())
    assert total * (1 + ESTIMATE_ERROR) <= TOKEN_BUDGET, f"~{total} tokens estimated"


def test_the_estimate_counts_hangul_heavier_than_ascii() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("투명 페트병") > estimate_tokens("clear_pet")
