"""The scan evaluation set (>= 150 cases) through the real analyser and grounding keeps its accuracy.

The printed report (`python -m tests.api.scans.eval.scan_eval`) is what docs/knowledge-base.md
quotes; here the named cases of the issue must all be right and the whole set above a floor.
"""

from __future__ import annotations

from tests.api.scans.eval.scan_eval import load_cases, run

MUST_PASS = {
    "table-chicken-bones", "table-receipt", "table-milk-carton", "pizza-clean", "pizza-greasy",
    "pizza-unobserved", "unknown-gadget", "unknown-blur", "lamp-broken", "pet-coloured", "low-confidence-cup",
}  # fmt: skip


def test_the_evaluation_set() -> None:
    cases = load_cases()
    assert len(cases) >= 150
    assert {c["id"] for c in cases} >= MUST_PASS
    outcomes = run(cases)
    failed = {o.case: (o.expected, o.got) for o in outcomes if not o.ok}
    assert not MUST_PASS & set(failed), failed
    assert sum(o.ok for o in outcomes) / len(outcomes) >= 0.95, failed
