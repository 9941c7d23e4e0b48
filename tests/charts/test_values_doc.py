"""docs/deploy.md lists every chart value, generated from the schema (no hand-kept copy to drift)."""

from __future__ import annotations

import json

from tests.charts.support import CHART
from tests.charts.values_doc import BEGIN, DOC, END, rewrite, rows, table


def test_docs_table_is_the_generated_one() -> None:
    text = DOC.read_text()
    assert BEGIN in text and END in text
    assert rewrite(text) == text, "run: python -m tests.charts.values_doc"


def test_every_leaf_value_has_a_row() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    keys = {row[0] for row in rows(schema, {})}
    for expected in ("image.tag", "secrets.existingSecret", "workers.groups.<name>.queues",
                     "ingress.certificateArn", "monitoring.prometheusRule.scanP95Seconds"):  # fmt: skip
        assert expected in keys
    assert table().count("\n") == len(keys) + 2
