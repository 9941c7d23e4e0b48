"""The scan evaluation: every case through the real analyser and the real grounding.

Model cases go through `OpenAIAnalyser` against the local fake OpenAI server (the JSON the fake
returns is the case's `model` answer, validated by our schema parser), note cases through the
offline analyser; both results are grounded by `api.scans.grounding.build_result`, exactly as a
scan is. `python -m tests.api.scans.eval.scan_eval` prints the accuracy and every miss.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from api.analyser.offline import OfflineAnalyser
from api.analyser.openai_provider import OpenAIAnalyser
from api.knowledge import load_bundle
from api.scans.grounding import DEFAULT_THRESHOLD, build_result
from api.settings import Settings
from tests.api.analyser.fake_openai import ATTRIBUTES, FakeOpenAI, answer_item
from tests.api.scans import imagegen
from tests.support.profile import TEST_PROFILE

CASES = Path(__file__).with_name("scan_cases.yaml")


@dataclass(frozen=True)
class Outcome:
    case: str
    expected: dict[str, Any]
    got: dict[str, Any]

    @property
    def item_ok(self) -> bool:
        return self.got["item"] == self.expected["item"]

    @property
    def bin_ok(self) -> bool:
        return self.got["category"] == self.expected["category"]

    @property
    def ok(self) -> bool:
        keys = ("item", "category", "status", "asks", "hazard")
        return all(self.got.get(k) == self.expected[k] for k in keys if k in self.expected)


def load_cases(path: Path = CASES) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    return cases


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    if not result["items"]:
        return {"item": None, "category": None, "status": None, "asks": None, "hazard": False}
    item = result["items"][0]
    question = item.get("question") or {}
    asks = question.get("attribute") or (question.get("kind") if question else None)
    return {"item": item["kb_item_id"], "category": item["category_id"], "status": item["status"],
            "asks": asks, "hazard": bool(item.get("hazard"))}  # fmt: skip


def _model_answer(model: dict[str, Any]) -> dict[str, Any]:
    observed = {k: str(v) for k, v in model.items() if k in ATTRIBUTES}
    return answer_item(model["item_id"], model["label"], model["category_id"], float(model["confidence"]),
                       material=model.get("material"), **observed)  # fmt: skip


def run(cases: list[dict[str, Any]] | None = None) -> list[Outcome]:
    bundle = load_bundle()
    cases = cases if cases is not None else load_cases()
    image = imagegen.jpeg()
    fake = FakeOpenAI().start()
    outcomes = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None, **TEST_PROFILE, data_dir=Path(scratch), openai_api_key="sk-test",
                openai_base_url=fake.base_url, openai_timeout_seconds=5.0,
            )  # fmt: skip
            model = OpenAIAnalyser(settings, bundle)
            offline = OfflineAnalyser(bundle)
            for case in cases:
                if "model" in case:
                    fake.answer = {"items": [_model_answer(case["model"])]}
                    analysis = model.analyse(image=image, content_type="image/jpeg", note=None)
                else:
                    analysis = offline.analyse(image=b"", content_type="image/jpeg", note=case["note"])
                result = build_result(
                    bundle, analysis, nearby=None, cached=False, threshold=DEFAULT_THRESHOLD
                )
                outcomes.append(Outcome(case["id"], case["expect"], _summary(result)))
        if fake.problems:
            raise AssertionError(f"the fake server saw malformed requests: {fake.problems[:3]}")
    finally:
        fake.stop()
    return outcomes


def main() -> int:
    outcomes = run()
    total = len(outcomes)
    ok = sum(o.ok for o in outcomes)
    items = sum(o.item_ok for o in outcomes)
    bins = sum(o.bin_ok for o in outcomes)
    sys.stdout.write(
        f"scan evaluation: {total} cases; fully right (item, bin, status, question, hazard) {ok}/{total} "
        f"({ok / total:.1%}); item {items}/{total} ({items / total:.1%}); "
        f"bin {bins}/{total} ({bins / total:.1%})\n"
    )
    for outcome in outcomes:
        if not outcome.ok:
            sys.stdout.write(f"  miss: {outcome.case}: expected {outcome.expected}, got {outcome.got}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
