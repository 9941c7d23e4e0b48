"""How to serve the API in a pod: one uvicorn process or several (`--workers N`), on this machine.

Starts `uvicorn api.asgi:app` exactly as the chart does (plus `--workers N`), on the embedded
profile, and drives it with C concurrent keep-alive clients for D seconds on two routes: `/healthz`
(no I/O) and `/api/v1/recycling/items?q=...` (knowledge-base search, database work per request),
on SQLite migrated and loaded by `python -m api.predeploy` first.
Prints requests/s, p50 and p95 per setting and the server's total RSS.

    python bench/api_server.py [--workers 1 2] [--concurrency 32] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
ROUTES = {"healthz": "/healthz", "kb-search": "/api/v1/recycling/items?q=%ED%8E%98%ED%8A%B8"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    """RSS of the server and its children (uvicorn's worker processes)."""
    out = subprocess.run(
        ["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return sum(int(x) for x in out.stdout.split()) / 1024


async def drive(base: str, path: str, concurrency: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await http.get(path)
                response.raise_for_status()
                latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies


def run(workers: int, concurrency: int, seconds: float) -> list[str]:
    port = free_port()
    data = tempfile.mkdtemp(prefix="bench-api-")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), WASTE_DATA_DIR=data, WASTE_ENV="development",
               WASTE_RATE_LIMITS_ENABLED="false",  # measure throughput, not limits
               WASTE_DATABASE_URL=f"sqlite:///{data}/waste.db")  # fmt: skip
    # What the chart's hook does before pods start: migrate, load the knowledge base.
    subprocess.run([sys.executable, "-m", "api.predeploy"], env=env, cwd=REPO_ROOT, check=True,
                   capture_output=True)  # fmt: skip
    argv = [sys.executable, "-m", "uvicorn", "api.asgi:app", "--host=127.0.0.1", f"--port={port}",
            f"--workers={workers}", "--no-access-log", "--log-level=warning"]  # fmt: skip
    log = Path(data) / "server.log"
    server = subprocess.Popen(argv, env=env, cwd=REPO_ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        # Warm-up (every worker process builds its app and loads the knowledge base).
        asyncio.run(drive(base, ROUTES["kb-search"], concurrency, 2))
        lines = []
        for name, path in ROUTES.items():
            samples = asyncio.run(drive(base, path, concurrency, seconds))
            q = statistics.quantiles(samples, n=100)
            lines.append(
                f"| {workers} | {name} | {concurrency} | {len(samples) / seconds:.0f} | "
                f"{q[49] * 1000:.1f} | {q[94] * 1000:.1f} | {rss_mb(server.pid):.0f} |"
            )
        return lines
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}")
    print("| uvicorn workers | route | clients | req/s | p50 ms | p95 ms | server RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for workers in args.workers:
        for line in run(workers, args.concurrency, args.seconds):
            print(line, flush=True)


if __name__ == "__main__":
    main()
