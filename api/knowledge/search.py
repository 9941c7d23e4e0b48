"""Ranking of items against a free-text query, shared by the in-memory bundle and the API.

Names are compared after normalisation (NFKC, case-folded, whitespace and light punctuation
removed), so "투명페트병", "투명 페트병" and "Clear PET bottle" vs "clear pet bottle" match alike.
Tiers, best first: exact name/alias > name/alias starts with the query > a word of it starts with
the query > the query occurs inside it > (bundle only) the name occurs inside a longer query such
as a user's note. Aliases score slightly below the item's own names within a tier.

Queries are forgiven before scoring (`normalize_query`): question words are dropped ("피자 박스
어떻게 버려?" -> "피자박스"), common misspellings and synonyms are rewritten (패트병 -> 페트병,
스티로폴 -> 스티로폼, 밧데리 -> 배터리, 우유곽 -> 우유팩, 깡통 -> 캔), and an English plural falls
back to its singular. A name for a *part* (라벨, 뚜껑, ...) ranks below the whole object unless the
query names the part, so "페트" finds the PET bottle before its label.
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


# Words of a question around the object's name, longest first ("어떻게 버려?", "분리수거 방법").
_QUESTION_WORDS = (
    "음식물쓰레기인가요", "음식물쓰레기야", "음식물이야", "음식물인가요", "일반쓰레기야",
    "어떻게버려야하나요", "어떻게버려야해요", "어떻게버려야돼", "어떻게버리나요", "어떻게버려요",
    "어떻게버려", "어떻게버리지", "어떻게배출", "버리는방법", "버리는법", "버리기", "분리수거방법",
    "분리배출방법", "분리수거", "분리배출", "어디에버려요", "어디에버려", "어디다버려", "어디에",
    "재활용되나요", "재활용돼요", "재활용가능", "재활용", "인가요", "일까요", "버려요", "버려",
    "howtodispose", "howdoithrowaway", "howtorecycle", "recycle", "dispose", "throwaway", "whereto",
    "howto",
)  # fmt: skip
# Misspellings and everyday synonyms -> the spelling the knowledge base uses.
_REWRITES = (
    ("패트", "페트"), ("펫트", "페트"), ("스티로폴", "스티로폼"), ("스치로폼", "스티로폼"),
    ("스티로품", "스티로폼"), ("밧데리", "배터리"), ("빳데리", "배터리"), ("바떼리", "배터리"),
    ("밧떼리", "배터리"), ("베터리", "배터리"), ("우유곽", "우유팩"), ("우유갑", "우유팩"),
    ("쥬스", "주스"), ("깡통", "캔"), ("프라스틱", "플라스틱"), ("플래스틱", "플라스틱"),
    ("비니루", "비닐"), ("후라이팬", "프라이팬"), ("형광램프", "형광등"), ("뽁뽁이", "에어캡"),
    ("아이스펙", "아이스팩"), ("건밧데리", "건전지"), ("악세사리", "액세서리"),
)  # fmt: skip
_ENDINGS = ("이에요", "이예요", "예요", "에요", "입니다", "이야", "이요")
_TRAILING_PARTICLES = ("은", "는", "이", "가", "을", "를", "도", "요", "야")
#: Words naming a part of an object: a name with one ranks below the whole unless asked for.
PART_WORDS = ("라벨", "뚜껑", "고리", "포장", "label", "cap", "lid")
PART_FACTOR = 0.85


def normalize_query(text: str) -> str:
    """`normalize` plus the forgiving rewrites above; what both search paths score against."""
    query = normalize(text)
    for wrong, right in _REWRITES:
        query = query.replace(wrong, right)
    for word in _QUESTION_WORDS:
        if word in query and len(query) > len(word):
            query = query.replace(word, "")
    for ending in _ENDINGS:
        if query.endswith(ending) and len(query) > len(ending) + 1:
            query = query[: -len(ending)]
            break
    while len(query) > 2 and query.endswith(_TRAILING_PARTICLES):
        query = query[:-1]
    return query or normalize(text)


def _singular(query: str) -> str | None:
    if not query.isascii() or len(query) < 4 or not query.endswith("s"):
        return None
    if query.endswith(("ches", "shes", "sses", "xes")):
        return query[:-2]
    return query[:-1]


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


def _part_penalty(query: str, term: Term) -> float:
    return PART_FACTOR if any(w in term.key and w not in query for w in PART_WORDS) else 1.0


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
    """Best weighted tier over prepared terms, rounded for display (plural falls back to singular)."""
    best = max((_tier(query, t, contained=contained) * t.weight * _part_penalty(query, t) for t in terms),
               default=0.0)  # fmt: skip
    singular = _singular(query)
    if singular:
        best = max(best, max((_tier(singular, t, contained=contained) * t.weight
                              * _part_penalty(singular, t) for t in terms), default=0.0))  # fmt: skip
    return round(best, 4)


def match_score(
    query: str, names: Sequence[str], aliases: Sequence[str], *, contained: bool = False
) -> float:
    """Best tier over an item's names (full weight) and aliases (`ALIAS_FACTOR`), rounded for display."""
    return best_score(query, prepare_terms(names, aliases), contained=contained)
