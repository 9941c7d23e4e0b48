"""Drive the real app over ASGI with a body fed chunk by chunk, counting what the app pulled."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio


@dataclass
class Exchange:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    pulled_bytes: int = 0
    body_finished: bool = False

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    app: Any,
    method: str,
    path: str,
    chunks: Iterator[bytes],
    headers: dict[str, str] | None = None,
    *,
    disconnect: bool = False,
) -> Exchange:
    """One request; `chunks` is consumed only as far as the app reads (a counted `receive`).
    With `disconnect`, the client goes away after the last chunk instead of ending the body."""
    exchange = Exchange()
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "headers": raw_headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
        "root_path": "",
    }  # fmt: skip
    pending = iter(chunks)
    done = anyio.Event()

    async def receive() -> dict[str, Any]:
        if exchange.body_finished:  # the app waits for a disconnect: give it once it has answered
            await done.wait()
            return {"type": "http.disconnect"}
        chunk = next(pending, None)
        if chunk is None:
            exchange.body_finished = True
            if disconnect:
                done.set()
                return {"type": "http.disconnect"}
            return {"type": "http.request", "body": b"", "more_body": False}
        exchange.pulled_bytes += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            exchange.status = message["status"]
            exchange.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            exchange.body += message.get("body", b"")
            if not message.get("more_body", False):
                done.set()

    async def run() -> None:
        await app(scope, receive, send)

    anyio.run(run)
    return exchange
