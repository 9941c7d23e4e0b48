"""Start-up cost of `wastectl --version` and `wastectl --help` against a bare interpreter.

Target (issue 2): `wastectl --version` within 100 ms of `python -c pass`.
Runs each command N times (default 30) after a warm-up and prints medians and p95 in ms.

    python bench/startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def measure(argv: list[str], runs: int) -> list[float]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    subprocess.run(argv, env=env, capture_output=True, check=True)  # warm the page cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"median {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    script = shutil.which("wastectl", path=str(Path(sys.executable).parent))
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "wastectl --version": [script] if script else [sys.executable, "-m", "wastectl"],
        "wastectl --help": [script] if script else [sys.executable, "-m", "wastectl"],
    }
    cases["wastectl --version"] = [*cases["wastectl --version"], "--version"]
    cases["wastectl --help"] = [*cases["wastectl --help"], "--help"]
    results = {name: measure(argv, args.runs) for name, argv in cases.items()}
    base = statistics.median(results["python -c pass"])
    print(f"{args.runs} runs each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    for name, samples in results.items():
        extra = statistics.median(samples) - base
        print(f"{name:<22} {summary(samples)}   (+{extra:5.1f} ms over python -c pass)")


if __name__ == "__main__":
    main()
