"""Request body limits enforced while the body streams in, never after it was read whole.

A declared `Content-Length` above the route's limit is answered 413 before any byte is read;
a body without one (chunked) is counted message by message and refused the moment it passes
the limit. Every body gets `WASTE_REQUEST_BODY_MAX_BYTES`, except a multipart form sent to one of
the two routes that take an image: the upload size plus room for the other form fields. (A JSON
body to those routes keeps the small limit: the edge parses JSON bodies, api/http/text.py.)
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Multipart boundaries, part headers and the signed fields of an upload form fit in this.
FORM_OVERHEAD_BYTES = 64 * 1024


class BodyTooLarge(HTTPException):
    """Raised from `receive()` when the body passes the limit: FastAPI re-raises HTTPExceptions
    from body parsing untouched, so the route never runs on a partial body."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")
        self.limit = limit


def too_large_response(limit: int) -> JSONResponse:
    return JSONResponse(
        {"detail": f"the request body is larger than {limit} bytes", "code": "payload_too_large"},
        status_code=413,
        headers={"Connection": "close"},
    )


class BodyLimitMiddleware:
    """Pure ASGI (no buffering): the app reads through a counting `receive`."""

    def __init__(self, app: ASGIApp, *, default_limit: int, form_limits: Mapping[str, int]) -> None:
        self.app = app
        self.default_limit = default_limit
        self.form_limits = dict(form_limits)

    def limit_for(self, path: str, content_type: str) -> int:
        if content_type.lower().startswith("multipart/form-data"):
            return self.form_limits.get(path.rstrip("/") or "/", self.default_limit)
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limit_for(scope["path"], headers.get("content-type", ""))
        declared = headers.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await too_large_response(limit)(scope, receive, send)
            return

        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if started:
                raise
            await too_large_response(limit)(scope, receive, send)
