"""Benchmark: wall time of `wastectl cluster bootstrap` (the real site.yml) on 4 lab nodes.

A first run on fresh nodes, then no-change re-runs (changed=0). Nodes are the lab's Debian roots
(tests/wastectl/cluster/lab); Kubernetes binaries are stand-ins, so the times are Ansible's own
work (facts, apt, templates, ~110 tasks) plus SSH, not kubeadm's or image pulls. Needs root.

    PYTHONPATH=$PWD .venv/bin/python bench/cluster_bootstrap.py [--reruns 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.wastectl.cluster.lab.harness import start_lab, stop_lab


def _run(inventory: Path, extra: Path, state: Path, *flags: str) -> tuple[float, dict[str, object]]:
    env = {**os.environ, "XDG_STATE_HOME": str(state), "PYTHONPATH": os.getcwd()}
    args = ["cluster", "bootstrap", "--inventory", str(inventory), "-e", f"@{extra}", "-o", "json", *flags]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "wastectl", *args], env=env, capture_output=True, text=True, check=False
    )
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"bootstrap failed:\n{done.stderr[-3000:]}")
    return wall, json.loads(done.stdout)["data"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reruns", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        started = time.monotonic()
        lab = start_lab(base / "lab")
        print(f"4 lab nodes up in {time.monotonic() - started:.1f}s")
        try:
            inventory = lab.write_inventory(base / "inventory.yaml")
            extra = lab.write_extra_vars(base / "extra.yml")
            wall, data = _run(inventory, extra, base / "state", "--accept-new")
            print(f"first bootstrap: {wall:.1f}s wall, {data['changed']} changes")
            for index in range(args.reruns):
                wall, data = _run(inventory, extra, base / "state")
                print(f"no-change re-run {index + 1}: {wall:.1f}s wall, {data['changed']} changes")
        finally:
            stop_lab(lab)


if __name__ == "__main__":
    main()
