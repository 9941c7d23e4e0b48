"""`KnowledgeBundle`: the validated categories and items, with lookup and ranked search."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.knowledge.schema import Category, Item, RegionOverride
from api.knowledge.search import Term, best_score, normalize_query, prepare_terms


@dataclass(frozen=True)
class KnowledgeBundle:
    categories: list[Category]
    items: list[Item]
    regions: list[RegionOverride] = field(default_factory=list)
    _categories: dict[str, Category] = field(init=False, repr=False, compare=False)
    _items: dict[str, Item] = field(init=False, repr=False, compare=False)
    _terms: list[tuple[Term, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_categories", {c.id: c for c in self.categories})
        object.__setattr__(self, "_items", {i.id: i for i in self.items})
        terms = [prepare_terms((i.name_ko, i.name_en), i.aliases) for i in self.items]
        object.__setattr__(self, "_terms", terms)

    def category_ids(self) -> list[str]:
        """Every category id in file order (the enum the LLM must choose from)."""
        return [c.id for c in self.categories]

    def category(self, category_id: str) -> Category | None:
        return self._categories.get(category_id)

    def item(self, item_id: str) -> Item | None:
        return self._items.get(item_id)

    def region_override(self, item_id: str, sido: str | None, sigungu: str | None) -> RegionOverride | None:
        """The district's rule for an item, if it has one (`sigungu` "창원시 의창구" matches "창원시")."""
        if not sido or not sigungu:
            return None
        for override in self.regions:
            if override.item_id == item_id and override.sido == sido and sigungu.startswith(override.sigungu):
                return override
        return None

    def items_in(self, category_id: str) -> list[Item]:
        return [i for i in self.items if i.category_id == category_id]

    def search(self, text: str, limit: int = 10) -> list[tuple[Item, float]]:
        """Items matching `text`, best first, with a score in (0, 1].

        Besides exact/prefix/substring matches this also finds items whose name occurs inside a
        longer text (a user's note such as "투명 페트병이에요"), ranked below every direct match.
        """
        query = normalize_query(text)
        if not query or limit <= 0:
            return []
        scored = [
            (n, item, best_score(query, terms, contained=True))
            for n, (item, terms) in enumerate(zip(self.items, self._terms, strict=True))
        ]
        # ties: shorter Korean name first, then file order (the API orders its rows the same way)
        scored.sort(key=lambda hit: (-hit[2], len(hit[1].name_ko), hit[0]))
        hits = [(item, score) for _, item, score in scored if score > 0]
        return hits[:limit]
