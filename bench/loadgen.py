"""Load for the scan benchmarks: open-loop submissions at a fixed rate, or closed-loop virtual users
that submit and poll until done (the predecessor's k6 scenario). asyncio + httpx, in the benchmark's
own process, apart from the API's processes.
"""

from __future__ import annotations

import asyncio
import io
import random
import time
from dataclasses import dataclass, field

import httpx
from PIL import Image, ImageDraw

FINAL = {"done", "failed"}


def phone_images(count: int, seed: int = 7) -> list[bytes]:
    """Distinct 1280x960 JPEGs (~100-200 KB), about what a phone app uploads after its own resize."""
    rng = random.Random(seed)
    images = []
    base = Image.linear_gradient("L").resize((1280, 960)).convert("RGB")
    for _ in range(count):
        image = base.copy()
        draw = ImageDraw.Draw(image)
        for _ in range(40):
            x, y = rng.randrange(1200), rng.randrange(900)
            colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            draw.ellipse((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)), fill=colour)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
        images.append(out.getvalue())
    return images


@dataclass
class Submission:
    started: float  # wall clock (time.time), comparable with the database's timestamps
    seconds: float
    status: int  # 0 for a transport error
    scan_id: str | None = None
    error: str | None = None
    finished_polling: float | None = None  # closed loop: when the client saw the final state


@dataclass
class LoadResult:
    submissions: list[Submission] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0


async def login(client: httpx.AsyncClient, users: int) -> list[dict[str, str]]:
    headers = []
    for i in range(users):
        response = await client.post("/api/v1/auth/dev/token", json={"nickname": f"bench{i:03d}"})
        response.raise_for_status()
        headers.append({"Authorization": f"Bearer {response.json()['access_token']}"})
    return headers


async def _post_scan(
    client: httpx.AsyncClient, headers: dict[str, str], image: bytes, path: str
) -> httpx.Response:
    """`multipart`: the image in the scan request. `ticket`: the mobile path, an upload ticket,
    the file to its URL (presigned S3 POST, or the API's local stand-in), then the scan by key."""
    if path == "multipart":
        return await client.post(
            "/api/v1/scans",
            files={"image": ("photo.jpg", image, "image/jpeg")},
            data={"note": "benchmark"},
            headers=headers,
        )
    ticket = await client.post("/api/v1/uploads", json={"content_type": "image/jpeg"}, headers=headers)
    if ticket.status_code != 201:
        return ticket
    form = ticket.json()
    sent = await client.post(
        form["url"], data=form["fields"], files={"file": ("photo.jpg", image, "image/jpeg")}
    )
    if sent.status_code >= 300:
        return sent
    return await client.post(
        "/api/v1/scans", json={"upload_key": form["key"], "note": "benchmark"}, headers=headers
    )


async def _submit(
    client: httpx.AsyncClient, headers: dict[str, str], image: bytes, path: str = "multipart"
) -> Submission:
    started, clock = time.time(), time.perf_counter()
    try:
        response = await _post_scan(client, headers, image, path)
    except httpx.HTTPError as exc:
        return Submission(started, time.perf_counter() - clock, 0, error=type(exc).__name__)
    seconds = time.perf_counter() - clock
    if response.status_code != 202:
        return Submission(started, seconds, response.status_code, error=response.text[:200])
    return Submission(started, seconds, 202, scan_id=response.json()["id"])


def _client(base_url: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=1024, max_keepalive_connections=1024)
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=httpx.Timeout(60.0))


async def open_loop(
    base_url: str, *, rate: float, duration: float, images: list[bytes], users: int, path: str = "multipart"
) -> LoadResult:
    """Submit `rate` scans per second for `duration` seconds, whatever the answers take."""
    async with _client(base_url) as client:
        headers = await login(client, users)
        result = LoadResult(started=time.time())
        t0 = time.perf_counter()
        tasks = []
        for i in range(round(rate * duration)):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            image = images[i % len(images)]
            tasks.append(asyncio.create_task(_submit(client, headers[i % users], image, path)))
        result.submissions = list(await asyncio.gather(*tasks))
        result.ended = time.time()
    return result


async def closed_loop(
    base_url: str, *, vus: int, duration: float, images: list[bytes], poll: float = 1.0
) -> LoadResult:
    """`vus` virtual users, each: submit, poll the result every `poll` s until final, repeat."""
    async with _client(base_url) as client:
        headers = await login(client, min(vus, 50))
        result = LoadResult(started=time.time())
        deadline = time.perf_counter() + duration

        async def user(n: int) -> None:
            await asyncio.sleep(n * duration / 10 / vus)  # ramp over the first tenth
            i = n
            while time.perf_counter() < deadline:
                who = headers[n % len(headers)]
                sub = await _submit(client, who, images[i % len(images)])
                i += vus
                result.submissions.append(sub)
                while sub.scan_id and time.perf_counter() < deadline + 120:
                    await asyncio.sleep(poll)
                    try:
                        answer = await client.get(f"/api/v1/scans/{sub.scan_id}", headers=who)
                    except httpx.HTTPError:
                        continue
                    if answer.status_code == 200 and answer.json()["status"] in FINAL:
                        sub.finished_polling = time.time()
                        break

        await asyncio.gather(*(user(n) for n in range(vus)))
        result.ended = time.time()
    return result
