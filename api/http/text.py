"""Control characters refused at the edge with one 422, for every route at once.

A NUL byte reached PostgreSQL (which cannot store it in text) and came back as a 500; other C0
characters are never meant in a query parameter, a path segment or a JSON string. Checked here,
before routing: the path and every query parameter allow none of U+0000-U+001F and U+007F; JSON
strings (keys too) allow tab, line feed and carriage return, which free-text fields such as a
note or a feedback comment may carry, and nothing else below U+0020. Form fields are checked by
the routes that read them (api/uploads/local_form.py; `check_form_text` for the multipart scan's
note), and `api.errors` turns a database `DataError` into 422 as the last line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError

# Everything below U+0020 and DEL.
LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The same, less tab, line feed and carriage return (free text may hold those).
TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Loc = tuple[str | int, ...]


def control_character_response(loc: Loc) -> JSONResponse:
    where = ".".join(str(part) for part in loc)
    message = "control characters (such as NUL) are not allowed"
    return JSONResponse(
        {
            "detail": f"{where}: {message}",
            "code": "control_character",
            "errors": [{"loc": list(loc), "msg": message, "type": "control_character"}],
        },
        status_code=422,
    )


def check_form_text(name: str, value: object) -> None:
    """For routes that read a form themselves (the edge parses JSON, not forms): a free-text form
    field with a control character other than tab, LF and CR is the same 422."""
    if isinstance(value, str) and TEXT_CONTROL.search(value):
        raise ApiError(422, f"form field {name!r} holds control characters", code="control_character")


def _query_problem(query_string: bytes) -> Loc | None:
    text = query_string.decode("latin-1")
    if not text:
        return None
    for name, value in parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace"):
        if LINE_CONTROL.search(name) or LINE_CONTROL.search(value):
            return ("query", name)
    return None


def _json_strings(document: Any) -> Iterator[tuple[Loc, str]]:
    """Every string in a parsed JSON document (object keys included) with where it sits."""
    stack: list[tuple[Loc, Any]] = [(("body",), document)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, str):
            yield loc, value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield (*loc, key), key
                stack.append(((*loc, key), item))
        elif isinstance(value, list):
            stack.extend(((*loc, index), item) for index, item in enumerate(value))


def undecodable_response(message: str) -> JSONResponse:
    """FastAPI answers these with a bare 400 ("error parsing the body"); they are as invalid as
    malformed JSON, which it answers with a 422, so they get the same 422 here."""
    return JSONResponse(
        {
            "detail": f"body: {message}",
            "code": "validation_error",
            "errors": [{"loc": ["body"], "msg": message, "type": "json_invalid"}],
        },
        status_code=422,
    )


def json_problem(body: bytes) -> JSONResponse | None:
    """The 422 for a JSON body with a control character in a string (or that cannot be decoded at
    all), or None: also for malformed JSON, which the route's own validation answers."""
    if not body:
        return None
    try:
        document = json.loads(body)
    except UnicodeDecodeError:
        return undecodable_response("the body is not UTF-8 text")
    except RecursionError:
        return undecodable_response("the JSON is nested too deeply")
    except ValueError:
        return None
    for loc, text in _json_strings(document):
        if TEXT_CONTROL.search(text):
            return control_character_response(loc)
    return None


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return True  # FastAPI may parse a body without a content type as JSON
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class ControlCharacterMiddleware:
    """Buffers JSON bodies only (an outer BodyLimitMiddleware bounds them) and replays them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if LINE_CONTROL.search(scope["path"]):
            await control_character_response(("path",))(scope, receive, send)
            return
        where = _query_problem(scope.get("query_string", b""))
        if where is not None:
            await control_character_response(where)(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE") and "content-length" not in headers:
            await self.app(scope, receive, send)
            return
        if not _is_json(headers.get("content-type")):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away mid-body: the route must not run on half of it. (An answer
                # nobody reads, because layers above want one.)
                incomplete = {
                    "detail": "the client went away before the body ended",
                    "code": "request_incomplete",
                }
                await JSONResponse(incomplete, status_code=400)(scope, receive, send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        refusal = json_problem(body)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
