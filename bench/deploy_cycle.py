"""Benchmark: `wastectl deploy` install, `--plan`, upgrade with `--wait`, `status`, `rollback` and `logs`
of the real charts/wastecoach through the Helm SDK, against the tests' fake Kubernetes API (HTTPS).

What it measures is wastectl + the Helm engine + the HTTP round trips; the fake's pods turn ready
after 0.3 s (FakeCluster.ready_after), which bounds every `--wait` from below.

    PYTHONPATH=$PWD .venv/bin/python bench/deploy_cycle.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.wastectl.deploy.fakecluster import FakeCluster
from tests.wastectl.deploy.fakestore import RESOURCES
from tests.wastectl.deploy.faketls import make_certs

STEPS = {
    "install --wait": ["deploy", "--tag", "1.0.0", "--wait"],
    "deploy --plan": ["deploy", "--plan", "--tag", "1.0.1"],
    "upgrade --wait": ["deploy", "--tag", "1.0.1", "--wait"],
    "status": ["status"],
    "rollback --wait": ["rollback", "1", "--yes", "--wait"],
    "deploy history": ["deploy", "history"],
    "logs api": ["logs", "api"],
}


def one_round(work: Path) -> dict[str, float]:
    cluster = FakeCluster(make_certs(work / "tls")).start()
    try:
        cluster.store.create(RESOURCES["namespaces"], None, {"metadata": {"name": "waste"}})
        config = cluster.write_kubeconfig(work / "kubeconfig")
        env = {**os.environ, "WASTECTL_KUBECONFIG": str(config), "XDG_STATE_HOME": str(work / "state")}
        timings = {}
        for name, argv in STEPS.items():
            extra = ["--skip-image-check"] if argv[0] == "deploy" and "history" not in argv else []
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "wastectl", *argv, *extra], env=env,
                                  capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
            timings[name] = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"{name} failed ({done.returncode}): {done.stderr[-500:]}")
        return timings
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rounds = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            rounds.append(one_round(Path(tmp)))
    print(f"{'step':<18} {'median s':>9} {'min s':>7} {'max s':>7}   ({args.rounds} rounds, whole process)")
    for name in STEPS:
        values = [r[name] for r in rounds]
        print(f"{name:<18} {statistics.median(values):>9.2f} {min(values):>7.2f} {max(values):>7.2f}")


if __name__ == "__main__":
    main()
