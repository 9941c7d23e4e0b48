"""Scan throughput of the deployed shape at GPT-4o latency: sustained rate, saturation search, and
the predecessor's 250-virtual-user k6 scenario, like for like.

    .venv/bin/python bench/scan_throughput.py --rate 16.7 --duration 180     # the 1,000/min goal
    .venv/bin/python bench/scan_throughput.py --search                       # step the rate up
    .venv/bin/python bench/scan_throughput.py --vus 250 --duration 210       # k6 at 250 VUs
    .venv/bin/python bench/scan_throughput.py --quick                        # a laptop-sized run

Each run starts its own stack (bench/stack.py: uvicorn x2, Celery threads workers, private database
and vhost, the fake model in its own process with a lognormal latency), loads it from this process,
then reads every scan back from PostgreSQL. "Overhead" is a scan's end-to-end time (client submit
to `finished_at`) minus the model's own time for that image. Writes bench/results/*.json, which
bench/report.py turns into docs/benchmarks.md's tables and plots.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.loadgen import LoadResult, closed_loop, open_loop, phone_images
from bench.stack import Stack, StackConfig
from tests.workers.support import queue_depth

RESULTS = Path(__file__).parent / "results"
QUANTILES = (("p50", 50), ("p95", 95), ("p99", 99))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


class DepthSampler(threading.Thread):
    """Ready messages in `scan.analyse`, once a second, while the load runs."""

    def __init__(self, broker_url: str) -> None:
        super().__init__(daemon=True)
        self.broker_url, self.samples, self.stopping = broker_url, [], threading.Event()
        self.samples: list[tuple[float, int]] = []

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            try:
                self.samples.append((time.time(), queue_depth(self.broker_url, "scan.analyse")))
            except Exception:
                continue


def scans_of(stack: Stack, ids: list[str], timeout: float) -> list[dict[str, Any]]:
    """Wait until every accepted scan is final (or `timeout`), then return their rows."""
    engine = create_engine(stack.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                rows = [dict(r._mapping) for r in conn.execute(text(
                    "SELECT id::text AS id, status, created_at, finished_at, image_sha256 FROM scans"
                    " WHERE id::text = ANY(:ids)"), {"ids": ids})]  # fmt: skip
            if all(r["status"] in ("done", "failed") for r in rows) or time.monotonic() > deadline:
                return rows
            time.sleep(1.0)
    finally:
        engine.dispose()


def summarise(name: str, load: LoadResult, *, rows: list[dict[str, Any]], model: dict[str, float],
              depth: list[tuple[float, int]], offered_per_min: float) -> dict[str, Any]:  # fmt: skip
    by_id = {r["id"]: r for r in rows}
    accepted = [s for s in load.submissions if s.scan_id]
    errors: dict[str, int] = {}
    for s in load.submissions:
        if not s.scan_id:
            key = f"{s.status} {s.error or ''}"[:80]
            errors[key] = errors.get(key, 0) + 1
    e2e, overhead = [], []
    finished_at = []
    for s in accepted:
        row = by_id.get(s.scan_id or "")
        if row is None or row["status"] != "done" or row["finished_at"] is None:
            continue
        end = row["finished_at"].timestamp()
        finished_at.append(end)
        e2e.append(end - s.started)
        if row["image_sha256"] in model:
            overhead.append(end - s.started - model[row["image_sha256"]])
    duration = load.ended - load.started
    warmup = min(20.0, duration / 3)
    window = [t for t in finished_at if load.started + warmup <= t <= load.ended]
    steady = len(window) / max(1e-9, duration - warmup) * 60
    submit = [s.seconds for s in load.submissions]
    t0 = load.started
    return {
        "name": name, "started": time.strftime("%Y-%m-%d %H:%M", time.gmtime(t0)),
        "duration_s": round(duration, 1), "offered_per_min": round(offered_per_min, 1),
        "submitted": len(load.submissions), "accepted": len(accepted), "errors": sum(errors.values()),
        "error_kinds": errors,
        "done": sum(r["status"] == "done" for r in rows),
        "failed": sum(r["status"] == "failed" for r in rows),
        "unfinished": len(accepted) - sum(r["status"] in ("done", "failed") for r in rows),
        "completed_per_min": round(steady, 1),
        "submit_ms": {q: round(pct(submit, p) * 1000, 1) for q, p in QUANTILES},
        "e2e_s": {q: round(pct(e2e, p), 2) for q, p in QUANTILES},
        "overhead_ms": {q: round(pct(overhead, p) * 1000, 1) for q, p in QUANTILES},
        "series": {
            "submit_ms": [round(v * 1000, 1) for v in submit],
            "overhead_ms": [round(v * 1000, 1) for v in overhead],
            "completions": sorted(round(t - t0, 2) for t in finished_at),
            "queue_depth": [(round(t - t0, 1), d) for t, d in depth],
        },
    }  # fmt: skip


def cpu_per_scan(before: dict[str, float], after: dict[str, float], scans: int) -> dict[str, float]:
    """Milliseconds of CPU per finished scan, per component (api, model, worker0 = scan.analyse...)."""
    return {name: round((after[name] - before.get(name, 0.0)) / max(1, scans) * 1000, 1) for name in after}


def run_open(
    stack: Stack, rate: float, duration: float, images: list[bytes], path: str = "multipart"
) -> dict[str, Any]:
    sampler = DepthSampler(stack.broker_url)
    sampler.start()
    cpu = stack.cpu_seconds()
    load = asyncio.run(
        open_loop(stack.base_url, rate=rate, duration=duration, images=images, users=50, path=path)
    )
    rows = scans_of(stack, [s.scan_id for s in load.submissions if s.scan_id], timeout=180)
    sampler.stopping.set()
    result = summarise(
        f"open {rate:g}/s {path}",
        load,
        rows=rows,
        model=stack.model_seconds(),
        depth=sampler.samples,
        offered_per_min=rate * 60,
    )
    result["cpu_ms_per_scan"] = cpu_per_scan(cpu, stack.cpu_seconds(), result["done"])
    return result


def run_vus(stack: Stack, vus: int, duration: float, images: list[bytes]) -> dict[str, Any]:
    sampler = DepthSampler(stack.broker_url)
    sampler.start()
    load = asyncio.run(closed_loop(stack.base_url, vus=vus, duration=duration, images=images))
    rows = scans_of(stack, [s.scan_id for s in load.submissions if s.scan_id], timeout=180)
    sampler.stopping.set()
    result = summarise(
        f"{vus} VUs",
        load,
        rows=rows,
        model=stack.model_seconds(),
        depth=sampler.samples,
        offered_per_min=float("nan"),
    )
    result["vus"] = vus
    return result


def search(stack: Stack, rates: list[float], duration: float, images: list[bytes]) -> dict[str, Any]:
    """Step the offered rate up until completions fall behind (< 95 %) or errors appear."""
    steps, best = [], 0.0
    for rate in rates:
        step = run_open(stack, rate, duration, images)
        del step["series"]
        steps.append(step)
        kept_up = step["completed_per_min"] >= 0.95 * step["offered_per_min"] and step["errors"] == 0
        print(f"  {rate:5.1f}/s offered {step['offered_per_min']:7.1f}/min completed "
              f"{step['completed_per_min']:7.1f}/min errors {step['errors']}", flush=True)  # fmt: skip
        if not kept_up:
            break
        best = step["offered_per_min"]
    return {"name": "saturation search", "steps": steps, "highest_sustained_per_min": best}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, help="scans per second, open loop")
    parser.add_argument("--duration", type=float, default=180.0)
    parser.add_argument("--search", action="store_true", help="step the rate up to saturation")
    parser.add_argument("--rates", default="5,10,15,17,20,25,30", help="steps of --search, scans/s")
    parser.add_argument("--vus", type=int, help="closed loop: virtual users that submit then poll")
    parser.add_argument("--quick", action="store_true", help="short runs at 1 s model latency")
    parser.add_argument("--median", type=float, default=5.6, help="model latency median, s")
    parser.add_argument("--p90", type=float, default=8.9, help="model latency p90, s")
    parser.add_argument("--concurrency", type=int, default=128, help="scan.analyse threads")
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--out", type=Path, help="write the JSON here instead of bench/results/ (trial runs)")
    parser.add_argument(
        "--path",
        choices=["multipart", "ticket"],
        default="multipart",
        help="image in the scan request, or the mobile ticket + upload path",
    )
    args = parser.parse_args()
    if args.quick:
        args.median, args.p90, args.duration = 1.0, 1.6, min(args.duration, 30.0)
    config = StackConfig(api_workers=args.api_workers, analyse_concurrency=args.concurrency,
                         model_median=args.median, model_p90=args.p90)  # fmt: skip
    images = phone_images(64)
    RESULTS.mkdir(exist_ok=True)
    load_before = os.getloadavg()
    with Stack(config) as stack:
        if args.search:
            rates = [float(r) for r in args.rates.split(",")]
            result = search(stack, rates, min(args.duration, 60.0), images)
            out = RESULTS / "scan_search.json"
        elif args.vus:
            result = run_vus(stack, args.vus, args.duration, images)
            out = RESULTS / f"scan_vus{args.vus}.json"
        else:
            rate = args.rate or (5.0 if args.quick else 16.7)
            result = run_open(stack, rate, args.duration, images, path=args.path)
            stem = "scan_quick" if args.quick else "scan_sustained"
            out = RESULTS / (f"{stem}.json" if args.path == "multipart" else f"{stem}_ticket.json")
    result["loadavg_before"], result["loadavg_after"] = load_before, os.getloadavg()
    result["config"] = {"model_median_s": args.median, "model_p90_s": args.p90, "analyse_concurrency":
                        args.concurrency, "api_workers": args.api_workers}  # fmt: skip
    out = args.out or out
    out.write_text(json.dumps(result, indent=1, default=str))
    brief = {k: v for k, v in result.items() if k not in ("series", "steps")}
    print(json.dumps(brief, indent=1, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
