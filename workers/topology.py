"""`python -m workers.topology [PATH]`: write the queue topology the Helm chart renders.

The chart (charts/wastecoach) reads `files/queues.json` for the worker `-Q` lists, the topology
ConfigMap and the alert rules; `workers/queues.py` stays the single source and a test fails when
the committed file drifts from it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from workers.queues import topology_document

CHART_FILE = Path(__file__).resolve().parents[1] / "charts" / "wastecoach" / "files" / "queues.json"


def render() -> str:
    return json.dumps(topology_document(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else CHART_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {target}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
