"""Render the chart's Grafana dashboard once with real data from a local run: docs/dashboard.png.

A real Prometheus (Debian's `prometheus`) scrapes a real API (uvicorn, as the chart runs it) and
a real Celery worker's metrics port while scans go through RabbitMQ, with the fake
OpenAI-compatible server from the tests answering (some slow, some rate-limited, some out of
quota, identical images for cache hits). Every panel of charts/wastecoach/files/dashboard.json is
then queried over Prometheus's HTTP API and drawn with Pillow (Grafana itself is not needed).

    python bench/dashboard_snapshot.py [--scans 150] [--out docs/dashboard.png]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw, ImageFont

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from api import migrate  # noqa: E402
from tests.api.analyser.fake_openai import FakeOpenAI  # noqa: E402
from tests.api.scans import imagegen  # noqa: E402
from tests.support import services  # noqa: E402
from tests.workers.support import CeleryWorker, settings_env  # noqa: E402

DASHBOARD = REPO_ROOT / "charts" / "wastecoach" / "files" / "dashboard.json"
COLOURS = ["#73bf69", "#f2cc0c", "#5794f2", "#ff780a", "#f2495c", "#b877d9", "#8ab8ff", "#fade2a"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def drive(api: str, scans: int, fake: FakeOpenAI) -> None:
    """Scans in waves over about two minutes: mostly ok or slow, some 429s, a few out of quota."""
    with httpx.Client(base_url=api, timeout=30) as http:
        token = http.post("/api/v1/auth/dev/token", json={"nickname": "snapshot"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        rng = random.Random(7)

        def submit(seed: int) -> None:
            image = imagegen.unique_jpeg(seed if rng.random() > 0.2 else 1)  # ~20 % identical images
            http.post("/api/v1/scans", files={"image": ("x.jpg", image, "image/jpeg")}, headers=headers)
            http.get("/api/v1/scans/00000000-0000-0000-0000-000000000000", headers=headers)  # a 404

        for wave in range(6):
            fake.script(*rng.choices(["ok", "slow", "429", "quota"], weights=[6, 3, 2, 1], k=scans // 6))
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(submit, range(wave * 1000, wave * 1000 + scans // 6)))
            time.sleep(15)


def query_range(prometheus: str, expr: str, start: float, end: float) -> list[dict[str, Any]]:
    params = {"query": expr, "start": start, "end": end, "step": "5s"}
    response = httpx.get(f"{prometheus}/api/v1/query_range", params=params, timeout=30)
    body = response.json()
    if body.get("status") != "success":
        raise RuntimeError(f"{expr}: {body}")
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def legend(template: str, labels: dict[str, str]) -> str:
    text = template
    for key, value in labels.items():
        text = text.replace("{{" + key + "}}", value)
    return text


Series = list[tuple[str, list[tuple[float, float]]]]


def draw_panel(
    draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], title: str, series: Series, *, fonts: Any
) -> None:
    font, small = fonts
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill="#181b1f", outline="#2c3235")
    draw.text((x0 + 10, y0 + 8), title, fill="#d8d9da", font=font)
    left, top, right, bottom = x0 + 50, y0 + 34, x1 - 12, y1 - 22 - 14 * min(len(series), 4)
    points = [p for _, values in series for p in values]
    if not points:
        draw.text((left, top + 40), "no data", fill="#8e8e8e", font=small)
        return
    tmin, tmax = min(t for t, _ in points), max(t for t, _ in points)
    vmax = max(v for _, v in points) or 1.0
    draw.line([(left, bottom), (right, bottom)], fill="#464c54")
    for frac in (0.5, 1.0):
        y = bottom - (bottom - top) * frac
        draw.line([(left, y), (right, y)], fill="#2c3235")
        draw.text((x0 + 6, y - 6), f"{vmax * frac:.3g}", fill="#8e8e8e", font=small)
    span = (tmax - tmin) or 1.0
    for i, (name, values) in enumerate(series[:8]):
        colour = COLOURS[i % len(COLOURS)]
        xy = [
            (left + (right - left) * (t - tmin) / span, bottom - (bottom - top) * v / vmax) for t, v in values
        ]
        if len(xy) > 1:
            draw.line(xy, fill=colour, width=2)
        elif xy:
            draw.ellipse([xy[0][0] - 2, xy[0][1] - 2, xy[0][0] + 2, xy[0][1] + 2], fill=colour)
        if i < 4:
            ly = bottom + 8 + 14 * i
            draw.rectangle([left, ly + 3, left + 10, ly + 9], fill=colour)
            draw.text((left + 16, ly), f"{name}  (last {values[-1][1]:.3g})", fill="#c7d0d9", font=small)


def render(prometheus: str, start: float, end: float, out: Path) -> None:
    board = json.loads(DASHBOARD.read_text())
    panels = [p for p in board["panels"] if p["type"] != "row"]
    cols, width, height = 3, 620, 300
    rows = (len(panels) + cols - 1) // cols
    image = Image.new("RGB", (cols * width + 20, rows * height + 70), "#111217")
    draw = ImageDraw.Draw(image)
    font, small = ImageFont.load_default(size=15), ImageFont.load_default(size=11)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(end))
    draw.text(
        (12, 14),
        f"{board['title']}  (real data, {stamp})",
        fill="#d8d9da",
        font=ImageFont.load_default(size=20),
    )
    for n, panel in enumerate(panels):
        series: Series = []
        for target in panel["targets"]:
            for item in query_range(prometheus, target["expr"], start, end):
                values = [(float(t), float(v)) for t, v in item["values"] if v not in ("NaN", "+Inf", "-Inf")]
                if values:
                    series.append((legend(target["legendFormat"], item["metric"]), values))
        col, row = n % cols, n // cols
        box = (
            10 + col * width,
            55 + row * height,
            10 + col * width + width - 10,
            55 + row * height + height - 10,
        )
        draw_panel(draw, box, panel["title"], series, fonts=(font, small))
    image.save(out)
    print(f"wrote {out} ({len(panels)} panels)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=150)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "dashboard.png")
    args = parser.parse_args()
    server = services.database_server_url()
    db = services.create_postgres_database(server)
    vhost = services.create_vhost(services.broker_server_url())
    broker = (
        services.with_vhost(services.broker_server_url(), vhost) if vhost else services.broker_server_url()
    )
    fake = FakeOpenAI().start()
    fake.slow_seconds = 2.0
    procs: list[subprocess.Popen[bytes]] = []
    worker: CeleryWorker | None = None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            migrate.upgrade(db.replace("postgresql://", "postgresql+psycopg://", 1))
            api_port, metrics_port, prom_port = free_port(), free_port(), free_port()
            values = {
                "env": "development", "rate_limits_enabled": False,  # measure throughput, not limits
                "data_dir": tmp, "database_url": db, "broker_url": broker,
                "redis_url": services.redis_server_url(), "redis_prefix": "waste-snapshot:",
                "analyser": "openai", "openai_api_key": "sk-test", "openai_base_url": fake.base_url,
                "openai_timeout_seconds": 5, "scan_daily_quota": 100_000, "scan_retry_base_seconds": 0.5,
                "worker_metrics_port": metrics_port, "worker_metrics_host": "127.0.0.1",
            }  # fmt: skip
            worker = CeleryWorker(values, Path(tmp), concurrency=16).start()
            env = settings_env(values)
            quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            api_argv = [
                sys.executable,
                "-m",
                "uvicorn",
                "api.asgi:app",
                "--host=127.0.0.1",
                f"--port={api_port}",
            ]
            procs.append(subprocess.Popen(api_argv, cwd=REPO_ROOT, env=env, **quiet))
            config = Path(tmp) / "prometheus.yml"
            config.write_text(
                "global: {scrape_interval: 2s}\nscrape_configs:\n"
                f"  - job_name: api\n    static_configs: [{{targets: ['127.0.0.1:{api_port}']}}]\n"
                f"  - job_name: worker\n    static_configs: [{{targets: ['127.0.0.1:{metrics_port}']}}]\n"
            )
            prom_argv = ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp}/tsdb",
                         f"--web.listen-address=127.0.0.1:{prom_port}"]  # fmt: skip
            procs.append(subprocess.Popen(prom_argv, **quiet))
            prometheus = f"http://127.0.0.1:{prom_port}"
            wait_http(f"http://127.0.0.1:{api_port}/healthz")
            wait_http(f"{prometheus}/-/ready")
            start = time.time()
            drive(f"http://127.0.0.1:{api_port}", args.scans, fake)
            time.sleep(10)
            render(prometheus, start, time.time(), args.out)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=20)
            if worker is not None:
                worker.stop()
            fake.stop()
            if vhost:
                services.delete_vhost(vhost)
            services.drop_postgres_database(server, db)
            os.sync()


if __name__ == "__main__":
    main()
