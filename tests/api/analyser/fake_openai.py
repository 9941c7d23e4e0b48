"""A fake OpenAI-compatible server on 127.0.0.1 (threaded, stdlib) for analyser and worker tests.

It checks each Chat Completions request the way the real API would matter to us (model, image
part, strict JSON schema whose category field is an enum), records problems instead of raising,
and answers from a script: "ok", "429", "quota", "500", "timeout", "invalid_json", "refusal",
"slow" (answers after `slow_seconds`). When the script is empty it answers "ok".

For benchmarks, `latency` (image bytes -> seconds) delays every "ok" answer like a real model, and
`GET /_stats` returns the delay given to each image by its SHA-256 (to subtract the model's own
time from a scan's end-to-end time).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ERRORS = {
    "429": (
        429,
        {"message": "Rate limit reached for gpt-4o", "type": "requests", "code": "rate_limit_exceeded"},
    ),
    "quota": (
        429,
        {
            "message": "You exceeded your current quota",
            "type": "insufficient_quota",
            "code": "insufficient_quota",
        },
    ),
    "500": (500, {"message": "The server had an error", "type": "server_error", "code": None}),
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # listen() backlog: a benchmark's burst of concurrent calls is not refused


ATTRIBUTES = (
    "transparency", "packaging_label", "cap", "contamination", "broken", "mixed_materials", "contents",
)  # fmt: skip


def answer_item(
    item_id: str, label: str, category_id: str, confidence: float, *, material: str | None = None,
    **observed: str,
) -> dict[str, Any]:  # fmt: skip
    """One item as the model answers it under our strict schema (unobserved attributes: "unknown")."""
    unknown = set(observed) - set(ATTRIBUTES)
    if unknown:
        raise ValueError(f"not schema attributes: {sorted(unknown)}")
    return {"item_id": item_id, "label": label, "material": material,
            **{name: observed.get(name, "unknown") for name in ATTRIBUTES},
            "category_id": category_id, "confidence": confidence}  # fmt: skip


class FakeOpenAI:
    def __init__(self, *, model: str = "gpt-4o", api_key: str = "sk-test", detail: str = "low") -> None:
        self.model = model
        self.api_key = api_key
        self.detail = detail
        self.answer: dict[str, Any] = {
            "items": [answer_item("clear_pet_bottle", "투명 페트병", "pet_clear", 0.93, material="PET",
                                  transparency="clear", packaging_label="off")],
        }  # fmt: skip
        self.slow_seconds = 3.0
        self.timeout_seconds = 5.0
        self.latency: Callable[[bytes], float] | None = None
        self.model_seconds: dict[str, float] = {}
        self.requests: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self._script: deque[str] = deque()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- control ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, *behaviours: str) -> None:
        with self._lock:
            self._script.extend(behaviours)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.problems.clear()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    # --- request checks ---------------------------------------------------------------------
    def check(self, headers: Any, body: dict[str, Any]) -> list[str]:
        problems = []
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            problems.append(f"bad Authorization header {headers.get('Authorization')!r}")
        if body.get("model") != self.model:
            problems.append(f"model {body.get('model')!r} != {self.model!r}")
        images = [
            part
            for message in body.get("messages", [])
            if isinstance(message.get("content"), list)
            for part in message["content"]
            if part.get("type") == "image_url"
        ]
        if len(images) != 1:
            problems.append(f"expected exactly one image part, got {len(images)}")
        else:
            url = images[0]["image_url"].get("url", "")
            if not url.startswith("data:image/jpeg;base64,"):
                problems.append("image part is not a base64 JPEG data URL")
            if images[0]["image_url"].get("detail") != self.detail:
                problems.append(f"detail {images[0]['image_url'].get('detail')!r} != {self.detail!r}")
        fmt = body.get("response_format", {})
        schema = fmt.get("json_schema", {})
        if fmt.get("type") != "json_schema" or schema.get("strict") is not True:
            problems.append("response_format is not a strict json_schema")
        else:
            item = schema["schema"]["properties"]["items"]["items"]
            enum = item["properties"]["category_id"].get("enum") or []
            if "pet_clear" not in enum or "general" not in enum:
                problems.append("category_id is not an enum of knowledge-base ids")
            items = item["properties"].get("item_id", {}).get("enum") or []
            if "clear_pet_bottle" not in items or "unknown" not in items:
                problems.append("item_id is not an enum of knowledge-base item ids plus 'unknown'")
            if "summary" in schema["schema"]["properties"]:
                problems.append("the schema asks for free text (summary) that could reach the user")
            if item.get("additionalProperties") is not False or set(item["required"]) != set(
                item["properties"]
            ):
                problems.append("strict schema must require every property and forbid others")
        return problems

    def _next(self) -> str:
        with self._lock:
            return self._script.popleft() if self._script else "ok"

    def completion(self, content: str | None, refusal: str | None = None) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-{time.monotonic_ns()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": content, "refusal": refusal}}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160},
        }  # fmt: skip

    def model_delay(self, body: dict[str, Any]) -> None:
        """Sleep as long as `latency` says for this request's image, and remember it by digest."""
        assert self.latency is not None
        url = next(
            part["image_url"]["url"]
            for message in body["messages"]
            if isinstance(message.get("content"), list)
            for part in message["content"]
            if part.get("type") == "image_url"
        )
        image = base64.b64decode(url.split(",", 1)[1])
        seconds = self.latency(image)
        with self._lock:
            self.model_seconds[hashlib.sha256(image).hexdigest()] = seconds
        time.sleep(seconds)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-request-id", "req_fake")
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/_stats":
                    with fake._lock:
                        self._send(200, {"model_seconds": dict(fake.model_seconds)})
                else:
                    self._send(
                        404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}}
                    )

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path != "/v1/chat/completions":
                    self._send(
                        404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}}
                    )
                    return
                body = json.loads(raw)
                problems = fake.check(self.headers, body)
                behaviour = fake._next()
                with fake._lock:
                    fake.requests.append({"body": body, "behaviour": behaviour})
                    fake.problems.extend(problems)
                if problems:
                    self._send(
                        400, {"error": {"message": "; ".join(problems), "type": "invalid_request_error"}}
                    )
                    return
                if behaviour in ERRORS:
                    status, error = ERRORS[behaviour]
                    self._send(status, {"error": {**error, "param": None}})
                elif behaviour == "timeout":
                    time.sleep(fake.timeout_seconds)
                    self._send(200, fake.completion(json.dumps(fake.answer)))
                elif behaviour == "invalid_json":
                    self._send(200, fake.completion('{"items": [ {"label": "병",'))
                elif behaviour == "refusal":
                    self._send(200, fake.completion(None, refusal="I can't help with that."))
                else:
                    if behaviour == "slow":
                        time.sleep(fake.slow_seconds)
                    elif fake.latency is not None:
                        fake.model_delay(body)
                    self._send(200, fake.completion(json.dumps(fake.answer, ensure_ascii=False)))

        return Handler
