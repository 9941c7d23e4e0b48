"""Ranking of items against a free-text query, shared by the in-memory bundle and the API.

Names are compared after normalisation (NFKC, case-folded, whitespace and light punctuation
removed), so "투명페트병", "투명 페트병" and "Clear PET bottle" vs "clear pet bottle" match alike.
Tiers, best first: exact name/alias > name/alias starts with the query > a word of it starts with
the query > the query occurs inside it > (bundle only) the name occurs inside a longer query such
as a user's note. Aliases score slightly below the item's own names within a tier.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_SEPARATORS = re.compile(r"[\s\-_·・/.,()\[\]'\"!?]+")

EXACT, PREFIX, WORD_PREFIX, SUBSTRING = 1.0, 0.8, 0.7, 0.5
CONTAINED_BASE, CONTAINED_SPAN = 0.2, 0.25  # always below SUBSTRING
ALIAS_FACTOR = 0.95
MIN_CONTAINED_LENGTH = 2


def normalize(text: str) -> str:
    """The comparison key of a name or query: NFKC, case-folded, separators removed."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).casefold())


def _words(text: str) -> list[str]:
    return [w for w in _SEPARATORS.split(unicodedata.normalize("NFKC", text).casefold()) if w]


def search_terms(names: Sequence[str], aliases: Sequence[str]) -> list[str]:
    """Normalised names and aliases, deduplicated, in order (stored in the database for LIKE)."""
    seen: dict[str, None] = {}
    for term in (*names, *aliases):
        key = normalize(term)
        if key:
            seen.setdefault(key, None)
    return list(seen)


@dataclass(frozen=True, slots=True)
class Term:
    """A name or alias prepared for scoring: its normalised key, its words and its weight."""

    key: str
    words: tuple[str, ...]
    weight: float


def prepare_terms(names: Sequence[str], aliases: Sequence[str]) -> tuple[Term, ...]:
    """Names at full weight, aliases at `ALIAS_FACTOR` (the bundle prepares these once per item)."""
    weighted = [(name, 1.0) for name in names] + [(alias, ALIAS_FACTOR) for alias in aliases]
    return tuple(Term(normalize(text), tuple(_words(text)), weight) for text, weight in weighted)


def _tier(query: str, term: Term, *, contained: bool) -> float:
    key = term.key
    if not key or not query:
        return 0.0
    if key == query:
        return EXACT
    if key.startswith(query):
        return PREFIX
    if any(word.startswith(query) for word in term.words):
        return WORD_PREFIX
    if query in key:
        return SUBSTRING
    if contained and len(key) >= MIN_CONTAINED_LENGTH and key in query:
        return CONTAINED_BASE + CONTAINED_SPAN * len(key) / len(query)
    return 0.0


def term_score(query: str, term: str, *, contained: bool) -> float:
    """Score one name against an already normalised query; 0 when it does not match."""
    return _tier(query, Term(normalize(term), tuple(_words(term)), 1.0), contained=contained)


def best_score(query: str, terms: Sequence[Term], *, contained: bool = False) -> float:
    """Best weighted tier over prepared terms, rounded for display."""
    return round(max((_tier(query, t, contained=contained) * t.weight for t in terms), default=0.0), 4)


def match_score(
    query: str, names: Sequence[str], aliases: Sequence[str], *, contained: bool = False
) -> float:
    """Best tier over an item's names (full weight) and aliases (`ALIAS_FACTOR`), rounded for display."""
    return best_score(query, prepare_terms(names, aliases), contained=contained)
