"""Peak RSS of the real API process under 8 concurrent worst-case images (issue 15, row 4).

Starts `uvicorn api.asgi:app` as the chart does, on the embedded profile (SQLite, offline
analyser, tasks in-process), one fresh server per scenario, and POSTs `--concurrency` images at
once to `/api/v1/scans` (multipart, as the app does). The kernel's high-water mark of the
server (`VmHWM`) is read after the scenario, next to its RSS when idle before it.

Scenarios: the review's 6300x6300 RGBA PNG (39.7 MP in 151 KiB, just under the 40 MP header
limit); the largest RGBA and RGB PNGs the per-image decode limit accepts; 12 MP JPEGs; and with
`--unbounded`, the review's PNG against limits raised out of the way (the behaviour before).

    .venv/bin/python bench/image_memory.py [--concurrency 8] [--unbounded]

Results: docs/benchmarks.md ("Image decode memory").
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from api.settings import Settings  # noqa: E402
from api.uploads.images import decode_cost  # noqa: E402

MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def status_mib(pid: int, field: str) -> float:
    """`VmRSS` or `VmHWM` (peak RSS) of one process, in MiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def png(width: int, height: int, mode: str, seed: int) -> bytes:
    """One flat colour: a few hundred KiB that decode to the full bitmap."""
    out = io.BytesIO()
    colour = (seed % 256, 90, 200, 255)[: len(mode)] if mode != "L" else seed % 256
    Image.new(mode, (width, height), colour).save(out, format="PNG")  # type: ignore[arg-type]
    return out.getvalue()


def jpeg(width: int, height: int, seed: int) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 40 + seed).convert("RGB").save(out, format="JPEG", quality=90)
    return out.getvalue()


def largest_side(mode: str, limit: int) -> int:
    """The side of the largest square image of `mode` whose decode estimate fits `limit`."""
    side = math.isqrt(limit // decode_cost(1, 1, mode))
    while decode_cost(side, side, mode) > limit:
        side -= 1
    return side


def scenarios(concurrency: int, unbounded: bool) -> list[tuple[str, list[tuple[str, bytes]], dict[str, str]]]:
    limit = Settings.model_fields["image_decode_max_bytes"].default
    rgba, rgb = largest_side("RGBA", limit), largest_side("RGB", limit)
    review = [("image/png", png(6300, 6300, "RGBA", n)) for n in range(concurrency)]
    rgba_pngs = [("image/png", png(rgba, rgba, "RGBA", n)) for n in range(concurrency)]
    rgb_pngs = [("image/png", png(rgb, rgb, "RGB", n)) for n in range(concurrency)]
    runs = [
        ("review PNG 6300x6300 RGBA (39.7 MP)", review, {}),
        (f"largest accepted RGBA PNG {rgba}x{rgba}", rgba_pngs, {}),
        (f"largest accepted RGB PNG {rgb}x{rgb}", rgb_pngs, {}),
        ("12 MP JPEG 4000x3000", [("image/jpeg", jpeg(4000, 3000, n)) for n in range(concurrency)], {}),
    ]
    if unbounded:
        lifted = {"WASTE_IMAGE_DECODE_MAX_BYTES": str(2**40), "WASTE_IMAGE_DECODE_BUDGET_BYTES": str(2**40)}
        runs.append(("review PNG, limits lifted (the behaviour before)", review, lifted))
    return runs


async def post_all(base: str, token: str, images: list[tuple[str, bytes]]) -> Counter[int]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=300) as http:

        async def one(content_type: str, data: bytes) -> int:
            files = {"image": ("photo", data, content_type)}
            return (await http.post("/api/v1/scans", files=files, headers=headers)).status_code

        return Counter(await asyncio.gather(*(one(kind, data) for kind, data in images)))


def run(name: str, images: list[tuple[str, bytes]], extra_env: dict[str, str]) -> str:
    port, data = free_port(), tempfile.mkdtemp(prefix="bench-images-")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), WASTE_DATA_DIR=data, WASTE_ENV="development",
               WASTE_DATABASE_URL=f"sqlite:///{data}/waste.db", WASTE_SCAN_DAILY_QUOTA="1000",
               WASTE_RATE_LIMITS_ENABLED="false",  # measure memory, not limits
               **extra_env)  # fmt: skip
    subprocess.run([sys.executable, "-m", "api.predeploy"], env=env, cwd=REPO_ROOT, check=True,
                   capture_output=True)  # fmt: skip
    argv = [sys.executable, "-m", "uvicorn", "api.asgi:app", "--host=127.0.0.1", f"--port={port}",
            "--no-access-log", "--log-level=warning"]  # fmt: skip
    quiet = subprocess.DEVNULL
    server = subprocess.Popen(argv, env=env, cwd=REPO_ROOT, stdout=quiet, stderr=quiet)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)
        login = httpx.post(base + "/api/v1/auth/dev/token", json={"nickname": "bench"}, timeout=30)
        token = login.raise_for_status().json()["access_token"]
        idle = status_mib(server.pid, "VmRSS")
        started = time.perf_counter()
        statuses = asyncio.run(post_all(base, token, images))
        seconds = time.perf_counter() - started
        peak = status_mib(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(timeout=30)
    answers = ", ".join(f"{count} x {status}" for status, count in sorted(statuses.items()))
    size = sum(len(data) for _, data in images) // len(images) // 1024
    return (f"| {name} | {size} KiB | {answers} | {idle:.0f} | {peak:.0f} | {peak - idle:.0f} "
            f"| {seconds:.1f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--unbounded", action="store_true", help="also the review's PNG, limits lifted")
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this")
    args = parser.parse_args()
    defaults = Settings.model_fields
    limit = defaults["image_decode_max_bytes"].default // MIB
    budget = defaults["image_decode_budget_bytes"].default // MIB
    print(f"per-image decode limit {limit} MiB, process budget {budget} MiB, {args.concurrency} at once")
    print("| images | file | answers | idle RSS MiB | peak RSS MiB | peak - idle MiB | wall s |")
    print("|---|---|---|---|---|---|---|")
    for name, images, extra_env in scenarios(args.concurrency, args.unbounded):
        if args.only not in name:
            continue
        print(run(name, images, extra_env), flush=True)


if __name__ == "__main__":
    main()
