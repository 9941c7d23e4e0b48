"""The search evaluation: top-1 / top-3 accuracy of `KnowledgeBundle.search` on real-style queries.

Run `python -m tests.api.knowledge.eval.search_eval` to print the accuracy and every miss (the
numbers in docs/knowledge-base.md come from it); the test keeps a floor under both.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from api.knowledge import KnowledgeBundle, load_bundle

QUERIES = Path(__file__).with_name("search_queries.tsv")
HELD_OUT = Path(__file__).with_name("search_queries_heldout.tsv")


@dataclass(frozen=True)
class SearchReport:
    total: int
    top1: int
    top3: int
    misses: list[tuple[str, str, list[str]]]  # query, expected, what came back (top 3)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.total


def load_queries(path: Path = QUERIES) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, expected = line.split("\t")
            rows.append((query, expected.strip()))
    return rows


def evaluate(bundle: KnowledgeBundle | None = None, path: Path = QUERIES) -> SearchReport:
    bundle = bundle or load_bundle()
    top1 = top3 = 0
    misses = []
    queries = load_queries(path)
    for query, expected in queries:
        found = [item.id for item, _ in bundle.search(query, 3)]
        top1 += bool(found) and found[0] == expected
        top3 += expected in found
        if not found or found[0] != expected:
            misses.append((query, expected, found))
    return SearchReport(len(queries), top1, top3, misses)


def main() -> int:
    for name, path in (("main set", QUERIES), ("held-out set", HELD_OUT)):
        report = evaluate(path=path)
        sys.stdout.write(
            f"search evaluation, {name}: {report.total} queries, top-1 {report.top1}/{report.total} "
            f"({report.top1_rate:.1%}), top-3 {report.top3}/{report.total} ({report.top3_rate:.1%})\n"
        )
        for query, expected, found in report.misses:
            sys.stdout.write(f"  miss: {query!r} -> expected {expected}, got {found or 'nothing'}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
