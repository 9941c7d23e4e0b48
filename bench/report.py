"""Turn bench/results/*.json into docs/benchmarks.md's generated section and its PNG plots.

    .venv/bin/python bench/report.py

Rewrites only the text between the `<!-- generated:throughput -->` markers of docs/benchmarks.md;
plots go to docs/benchmarks/. Needs bench/requirements.txt (matplotlib), which `make bench` installs.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
PLOTS = ROOT / "docs" / "benchmarks"
START, END = "<!-- generated:throughput:start -->", "<!-- generated:throughput:end -->"


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def plot_run(run: dict[str, Any], stem: str) -> list[str]:
    """Latency distributions, and completions + queue depth over time, for one open-loop run."""
    series = run["series"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    left.hist(series["submit_ms"], bins=60, alpha=0.7, label="submit (ms)")
    left.hist(series["overhead_ms"], bins=60, alpha=0.7, label="pipeline overhead (ms)")
    left.set_xlabel("milliseconds")
    left.set_ylabel("scans")
    left.set_yscale("log")
    left.legend()
    left.set_title(f"{run['name']}: latency")
    done = series["completions"]
    if done:
        width = 10.0
        edges = [i * width for i in range(int(max(done) // width) + 2)]
        right.hist(done, bins=edges, weights=[60.0 / width] * len(done), alpha=0.7, label="completed / min")
    if not math.isnan(float(run["offered_per_min"])):  # an open-loop run
        right.axhline(run["offered_per_min"], color="grey", linestyle="--", label="offered / min")
    right.set_xlabel("seconds since start")
    right.set_ylabel("scans / min")
    twin = right.twinx()
    depth = series["queue_depth"]
    if depth:
        twin.plot([t for t, _ in depth], [d for _, d in depth], color="tab:red", label="scan.analyse ready")
    twin.set_ylabel("messages ready", color="tab:red")
    right.legend(loc="upper left")
    right.set_title("throughput and queue depth")
    fig.tight_layout()
    PLOTS.mkdir(parents=True, exist_ok=True)
    out = PLOTS / f"{stem}.png"
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return [f"![{run['name']}](benchmarks/{out.name})"]


def plot_search(search: dict[str, Any]) -> list[str]:
    steps = search["steps"]
    fig, axis = plt.subplots(figsize=(5.5, 3.6))
    offered = [s["offered_per_min"] for s in steps]
    axis.plot(offered, offered, color="grey", linestyle="--", label="keeping up")
    axis.plot(offered, [s["completed_per_min"] for s in steps], marker="o", label="completed")
    axis.set_xlabel("offered scans / min")
    axis.set_ylabel("completed scans / min")
    axis.legend()
    axis.set_title("sustained-rate search")
    fig.tight_layout()
    PLOTS.mkdir(parents=True, exist_ok=True)
    fig.savefig(PLOTS / "search.png", dpi=90)
    plt.close(fig)
    return ["![sustained-rate search](benchmarks/search.png)"]


def cpu_text(cpu: dict[str, float] | None) -> str:
    return ", ".join(f"{name} {ms:g}" for name, ms in cpu.items()) if cpu else "not measured"


def load_text(load: list[float] | None) -> str:
    return f"{load[0]:.1f}" if load else "?"


def _offered(run: dict[str, Any]) -> str:
    """A closed-loop run (virtual users) has no offered rate: its users wait for each answer."""
    offered = float(run["offered_per_min"])
    return "closed loop" if math.isnan(offered) else f"{offered:g}"


def run_row(run: dict[str, Any]) -> str:
    s, e, o = run["submit_ms"], run["e2e_s"], run["overhead_ms"]
    return (
        f"| {run['name']} | {run['duration_s']:g} | {_offered(run)} |"
        f" {run['completed_per_min']:g} |"
        f" {run['errors']} | {run['done']}/{run['accepted']} | {s['p50']:g} / {s['p95']:g} |"
        f" {e['p50']:g} / {e['p95']:g} | {o['p50']:g} / {o['p95']:g} |"
    )


HEADER = (
    "| run | s | offered/min | completed/min | errors | done | submit p50/p95 ms | e2e p50/p95 s |"
    " overhead p50/p95 ms |\n|---|---|---|---|---|---|---|---|---|"
)


def worker_capacity_section() -> list[str]:
    capacity = load("worker_capacity")
    if not capacity:
        return []
    lines = [
        f"### One `scan.analyse` worker process ({capacity['started']} UTC, model median"
        f" {capacity['model_median_s']:g} s, p90 {capacity['model_p90_s']:g} s, load average"
        f" {capacity['loadavg_before'][0]:.1f})",
        "",
        "| threads | backlog | sustained /s | sustained /min | whole drain /s | threads / mean latency |"
        " CPU ms/scan | CPU ceiling /s | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in capacity["rows"]:
        lines.append(
            f"| {row['concurrency']} | {row['backlog']} | {row['steady_per_s']:g} |"
            f" {row['steady_per_min']:g} | {row['overall_per_s']:g} | {row['littles_law_per_s']:g} |"
            f" {row['cpu_ms_per_scan']:g} |"
            f" {row['cpu_ceiling_per_s']:g} | {row['peak_rss_mb']:g} |"
        )
    return [*lines, ""]


def section() -> str:
    lines: list[str] = []
    names = ("scan_sustained", "scan_sustained_ticket", "scan_vus250", "scan_quick", "scan_quick_ticket")
    runs = [r for r in map(load, names) if r]
    if runs:
        lines += ["### Scan throughput", "", HEADER, *(run_row(r) for r in runs), ""]
        for run in runs:
            cfg = run.get("config", {})
            lines.append(
                f"- {run['name']} ({run['started']} UTC): model median {cfg.get('model_median_s')} s, "
                f"p90 {cfg.get('model_p90_s')} s; `scan.analyse` threads "
                f"{cfg.get('analyse_concurrency')}; API processes {cfg.get('api_workers')}; "
                f"CPU ms per scan {cpu_text(run.get('cpu_ms_per_scan'))}; "
                f"load average {load_text(run.get('loadavg_before'))} -> "
                f"{load_text(run.get('loadavg_after'))}"
            )
        lines.append("")
        for run in runs:
            if "series" in run:
                lines += plot_run(run, run["name"].replace(" ", "_").replace("/", "per"))
        lines.append("")
    search = load("scan_search")
    if search:
        lines += ["### Saturation search", "", HEADER]
        lines += [run_row(step) for step in search["steps"]]
        lines += ["", f"Highest sustained rate: **{search['highest_sustained_per_min']:g} scans/min**.", ""]
        lines += plot_search(search)
        lines.append("")
    lines += worker_capacity_section()
    endpoints = load("api_endpoints")
    if endpoints:
        lines += [
            f"### API endpoints (wrk, {endpoints['connections']} connections, {endpoints['seconds']:g} s"
            f" each, {endpoints['started']} UTC, load average {endpoints['loadavg_before'][0]:.1f})",
            "",
            "| endpoint | rps | p50 ms | p95 ms | p99 ms | non-2xx | fraction of hello |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in endpoints["rows"]:
            lines.append(
                f"| {row['endpoint']} | {row['rps']:g} | {row['p50_ms']:g} | {row['p95_ms']:g} |"
                f" {row['p99_ms']:g} | {row['non2xx']} | {row['fraction_of_hello']:.2f} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    text = DOC.read_text()
    body = f"{START}\n<!-- written by bench/report.py from bench/results/*.json; edit those, not this -->\n\n"
    body += section() + f"\n{END}"
    if START in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: body, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + body + "\n"
    DOC.write_text(text)
    print(f"updated {DOC}")


if __name__ == "__main__":
    main()
