"""Every benchmark, one after the other, then the report: `make bench` (or `make bench ARGS=--quick`).

    PYTHONPATH=. .venv/bin/python bench/run_all.py [--quick] [--only NAME[,NAME]]

`--quick` shrinks each one to laptop size (seconds to a minute each); the full set takes about
40 minutes on 2 cores. Results: bench/results/*.json, docs/benchmarks.md (bench/report.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent

# name -> (full arguments, quick arguments)
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "startup": ([], ["--runs", "5"]),
    "locations_nearest": ([], ["--sizes", "10000", "--queries", "50"]),
    "user_stats": ([], ["--scans", "500", "--users", "20", "--runs", "5"]),
    "fleet_parallel": ([], ["--rounds", "1", "--sizes", "4"]),
    "scans_worker_pool": ([], ["--scans", "30"]),
    "worker_capacity": ([], ["--quick"]),
    "api_endpoints": ([], ["--quick"]),
    "image_memory": (["--unbounded"], ["--concurrency", "4", "--only", "review"]),
    "scan_throughput": (["--rate", "16.7", "--duration", "180"], ["--quick"]),
    "scan_ticket": (
        ["--rate", "16.7", "--duration", "180", "--path", "ticket"],
        ["--quick", "--path", "ticket"],
    ),
    "scan_search": (["--search"], ["--search", "--quick", "--rates", "5,10,20"]),
    "scan_vus250": (["--vus", "250", "--duration", "210"], ["--vus", "50", "--quick"]),
}
SCRIPT = {
    "scan_search": "scan_throughput",
    "scan_vus250": "scan_throughput",
    "scan_ticket": "scan_throughput",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="comma-separated names: " + ", ".join(BENCHMARKS))
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    failed = []
    for name in names:
        full, quick = BENCHMARKS[name]
        argv = [sys.executable, str(HERE / f"{SCRIPT.get(name, name)}.py"), *(quick if args.quick else full)]
        print(f"\n== {name}: {' '.join(argv[1:])}", flush=True)
        started = time.perf_counter()
        if subprocess.run(argv, env=env, check=False).returncode != 0:
            failed.append(name)
        print(f"== {name}: {time.perf_counter() - started:.0f} s", flush=True)
    subprocess.run([sys.executable, str(HERE / "report.py")], env=env, check=True)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
