"""API endpoints under wrk at 50 connections, each as a fraction of a bare Starlette "hello" served
by the same uvicorn settings (the ceiling of this machine for this server stack).

    .venv/bin/python bench/api_endpoints.py [--seconds 10] [--connections 50] [--quick]

Starts the stack of bench/stack.py (seeded knowledge base and collection points), one user with one
finished scan, then runs wrk once per endpoint. Writes bench/results/api_endpoints.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench.loadgen import phone_images
from bench.stack import Stack, StackConfig

HERE = Path(__file__).parent
RESULTS = HERE / "results"


def wrk(url: str, *, seconds: float, connections: int, env: dict[str, str]) -> dict[str, Any]:
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s", "-s",
            str(HERE / "wrk_report.lua"), url]  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **env}, check=True).stdout
    match = re.search(r"WRK_JSON (\{.*\})", out)
    if match is None:
        raise RuntimeError(f"no summary from wrk:\n{out}")
    raw = json.loads(match.group(1))
    return {
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1), "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1), "non2xx": raw["non2xx"],
        "socket_errors": raw["socket_errors"],
    }  # fmt: skip


def multipart(image: bytes) -> tuple[bytes, str]:
    boundary = "benchboundary7d1f"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nbenchmark\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="p.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + image
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def pending_copy(database_url: str, scan_id: str) -> str:
    """A copy of the finished scan left in `analysing`, polled as a phone polls a scan in progress:
    its row is read again whenever the pending entry's few seconds (WASTE_SCAN_PENDING_CACHE_SECONDS)
    are over. No worker ever picks it up."""
    import uuid

    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    copy = str(uuid.uuid4())
    columns = "user_id, image_key, image_sha256, note, lat, lng, prompt_tokens, completion_tokens, " \
              "attempts, replays, created_at"  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            text(f"INSERT INTO scans (id, status, updated_at, {columns}) "
                 f"SELECT :copy, 'analysing', now(), {columns} FROM scans WHERE id = :id"),
            {"copy": copy, "id": scan_id},
        )  # fmt: skip
    engine.dispose()
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="3 s per endpoint")
    parser.add_argument("--only", help="comma-separated words: run the endpoints whose name has one")
    parser.add_argument("--out", type=Path, help="write the JSON here instead of bench/results/ (trial runs)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    seconds = 3.0 if args.quick else args.seconds
    load = os.getloadavg()
    with Stack(StackConfig(seed=True, model_median=0.5, model_p90=0.8)) as stack:
        hello = stack.start_hello()
        api = stack.base_url
        tokens = [
            httpx.post(f"{api}/api/v1/auth/dev/token", json={"nickname": f"wrk{i:02d}"}).json()[
                "access_token"
            ]
            for i in range(args.connections)
        ]
        auth = f"Bearer {tokens[0]}"
        users = "|".join(f"Bearer {token}" for token in tokens)  # POST: one user per connection
        body, content_type = multipart(phone_images(1)[0])
        scan = httpx.post(f"{api}/api/v1/scans", content=body, headers={"Authorization": auth,
                          "Content-Type": content_type}).json()["id"]  # fmt: skip
        deadline = time.monotonic() + 60
        while httpx.get(f"{api}/api/v1/scans/{scan}", headers={"Authorization": auth}).status_code != 200:
            if time.monotonic() > deadline:
                sys.exit("the seeding scan did not finish")
            time.sleep(0.5)
        pending = pending_copy(stack.database_url, scan)
        with tempfile.NamedTemporaryFile(suffix=".multipart") as body_file:
            body_file.write(body)
            body_file.flush()
            cases: list[tuple[str, str, dict[str, str]]] = [
                ("bare Starlette hello", f"{hello}/", {}),
                ("GET /healthz", f"{api}/healthz", {}),
                ("GET /api/v1/recycling/items?q=페트",
                 f"{api}/api/v1/recycling/items?q={quote('페트')}", {}),
                ("GET /api/v1/locations/nearby",
                 f"{api}/api/v1/locations/nearby?lat=37.5665&lng=126.978", {}),
                ("GET /api/v1/users/me (auth)", f"{api}/api/v1/users/me", {"WRK_AUTHORIZATION": auth}),
                ("GET /api/v1/scans/{id} (auth, finished)", f"{api}/api/v1/scans/{scan}",
                 {"WRK_AUTHORIZATION": auth}),
                ("GET /api/v1/scans/{id} (auth, pending)", f"{api}/api/v1/scans/{pending}",
                 {"WRK_AUTHORIZATION": auth}),
                ("POST /api/v1/scans (multipart)", f"{api}/api/v1/scans",
                 {"WRK_AUTHORIZATION": users, "WRK_BODY_FILE": body_file.name,
                  "WRK_CONTENT_TYPE": content_type}),
            ]  # fmt: skip
            if args.only:
                words = args.only.split(",")
                cases = [case for i, case in enumerate(cases) if i == 0 or any(w in case[0] for w in words)]
            rows = []
            for name, url, env in cases:
                row = {"endpoint": name, **wrk(url, seconds=seconds, connections=args.connections, env=env)}
                rows.append(row)
                print(
                    f"{name:40} {row['rps']:9.1f} rps  p95 {row['p95_ms']:7.1f} ms  non-2xx {row['non2xx']}"
                )
    ceiling = rows[0]["rps"]
    for row in rows:
        row["fraction_of_hello"] = round(row["rps"] / ceiling, 3)
    result = {"name": "api endpoints", "started": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
              "seconds": seconds, "connections": args.connections, "loadavg_before": load,
              "loadavg_after": os.getloadavg(), "rows": rows}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    out = args.out or RESULTS / "api_endpoints.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
