"""What one `scan.analyse` worker process sustains, by concurrency: the sizing table of docs/scans.md.

    PYTHONPATH=. .venv/bin/python bench/worker_capacity.py [--concurrency 32,64,128,256] [--quick]

For each concurrency: the stack of bench/stack.py (uvicorn, a private database and vhost, the fake
model at GPT-4o's latency) with its `scan.analyse` worker stopped; a backlog of `--backlog-factor` x
concurrency scans is submitted through the API, then one worker process (threads pool) is started
on the backlog. Its steady drain rate (completions between the 10th and the 90th percentile of
finish times) is what that process sustains when it is never starved; the submit side does not
limit it. Also measured: the worker's CPU per scan (user + system, from /proc) and peak RSS. By
Little's law an LLM-bound worker sustains about concurrency / mean model latency until its one
core (the GIL) runs out: 1 / (CPU s per scan) is that ceiling. Writes bench/results/worker_capacity.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.loadgen import login, phone_images
from bench.stack import Stack, StackConfig
from tests.support.processes import children_of
from tests.workers.support import CeleryWorker

RESULTS = Path(__file__).parent / "results"


def process_stats(pid: int) -> tuple[float, float]:
    """(CPU seconds, RSS MiB) of a process and its children."""
    ticks = os.sysconf("SC_CLK_TCK")
    cpu, rss_kib = 0.0, 0
    for each in {pid} | children_of(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        cpu += (int(fields[11]) + int(fields[12])) / ticks
        rss_kib += next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
        )
    return cpu, rss_kib / 1024


async def submit_backlog(base_url: str, count: int) -> int:
    """Submit `count` scans from 16 users, 16 at a time; returns how many the API accepted."""
    import httpx

    images = phone_images(64)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        users = await login(client, 16)
        gate = asyncio.Semaphore(16)

        async def one(index: int) -> bool:
            async with gate:
                response = await client.post(
                    "/api/v1/scans",
                    files={"image": ("p.jpg", images[index % len(images)], "image/jpeg")},
                    headers=users[index % len(users)],
                )
                return response.status_code in (201, 202)

        results = await asyncio.gather(*(one(i) for i in range(count)))
    return sum(results)


def finish_times(database_url: str) -> tuple[list[float], int]:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT status, extract(epoch FROM finished_at) FROM scans")).all()
    finally:
        engine.dispose()
    done = sorted(float(at) for status, at in rows if status == "done" and at is not None)
    return done, sum(status == "failed" for status, _ in rows)


def measure(concurrency: int, *, backlog: int, median: float, p90: float) -> dict[str, Any]:
    config = StackConfig(analyse_concurrency=concurrency, model_median=median, model_p90=p90)
    with Stack(config) as stack:
        stack.workers[0].stop()  # the backlog builds up in scan.analyse
        accepted = asyncio.run(submit_backlog(stack.base_url, backlog))
        worker = CeleryWorker(stack.values, stack.logs, concurrency=concurrency, queues="scan.analyse")
        stack.workers[0] = worker
        worker.start(timeout=60)
        assert worker.process is not None
        started, peak_rss = time.time(), 0.0
        cpu_start, _ = process_stats(worker.process.pid)
        deadline = started + 60 + backlog * median / max(1, concurrency) * 4
        while time.time() < deadline:
            done, failed = finish_times(stack.database_url)
            _, rss = process_stats(worker.process.pid)
            peak_rss = max(peak_rss, rss)
            if len(done) + failed >= accepted:
                break
            time.sleep(1.0)
        cpu_used = process_stats(worker.process.pid)[0] - cpu_start
        model = stack.model_seconds()
    low, high = done[int(0.1 * len(done))], done[int(0.9 * len(done)) - 1]
    steady = (int(0.9 * len(done)) - int(0.1 * len(done))) / max(high - low, 1e-9)
    mean_model = sum(model.values()) / max(1, len(model))
    return {
        "concurrency": concurrency, "backlog": accepted, "done": len(done), "failed": failed,
        "drain_s": round(done[-1] - started, 1) if done else None,
        "overall_per_s": round(len(done) / (done[-1] - started), 2) if done else None,
        "steady_per_s": round(steady, 2), "steady_per_min": round(steady * 60),
        "littles_law_per_s": round(concurrency / mean_model, 2) if mean_model else None,
        "cpu_ms_per_scan": round(1000 * cpu_used / max(1, len(done)), 1),
        "cpu_ceiling_per_s": round(len(done) / cpu_used, 1) if cpu_used else None,
        "peak_rss_mb": round(peak_rss), "model_mean_s": round(mean_model, 2),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", default="32,64,128,256", help="comma-separated thread counts")
    parser.add_argument("--backlog-factor", type=float, default=4.0, help="backlog = factor x concurrency")
    parser.add_argument("--median", type=float, default=5.6, help="model latency median, s")
    parser.add_argument("--p90", type=float, default=8.9, help="model latency p90, s")
    parser.add_argument("--quick", action="store_true", help="16 and 64 threads, 1 s model, 3x backlog")
    args = parser.parse_args()
    levels = [16, 64] if args.quick else [int(c) for c in args.concurrency.split(",")]
    median, p90 = (1.0, 1.6) if args.quick else (args.median, args.p90)
    factor = 3.0 if args.quick else args.backlog_factor
    load = os.getloadavg()
    rows = []
    print("| threads | backlog | steady /s | /min | whole drain /s | C / mean latency | CPU ms/scan "
          "| CPU ceiling /s | RSS MB |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for concurrency in levels:
        row = measure(concurrency, backlog=math.ceil(factor * concurrency), median=median, p90=p90)
        rows.append(row)
        print(f"| {concurrency} | {row['backlog']} | {row['steady_per_s']} | {row['steady_per_min']} | "
              f"{row['overall_per_s']} | "
              f"{row['littles_law_per_s']} | {row['cpu_ms_per_scan']} | {row['cpu_ceiling_per_s']} | "
              f"{row['peak_rss_mb']} |", flush=True)  # fmt: skip
    result = {"name": "worker capacity", "started": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
              "model_median_s": median, "model_p90_s": p90, "loadavg_before": load,
              "loadavg_after": os.getloadavg(), "rows": rows}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "worker_capacity.json").write_text(json.dumps(result, indent=1))
    print(f"wrote {RESULTS / 'worker_capacity.json'}")


if __name__ == "__main__":
    main()
