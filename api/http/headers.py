"""Security headers on every response, added only where the response does not set its own.

The web client's routes send their own Content-Security-Policy (api/web/policy.py) and keep it;
everything else is JSON (or an event stream) that no browser should render, frame or sniff, so
it gets a policy that allows nothing. FastAPI's interactive docs load Swagger UI from a CDN and
are left without a CSP. Responses under `/api/v1/auth/` carry tokens (or set token cookies) and
are never stored by a cache. HSTS is sent in production and on any request that arrived over
https (directly or through a proxy that says so with `X-Forwarded-Proto`).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HSTS = "max-age=63072000; includeSubDomains"
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-site",
}


def _is_https(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    forwarded = Headers(scope=scope).get("x-forwarded-proto", "")
    return forwarded.split(",", 1)[0].strip().lower() == "https"


class SecurityHeadersMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        hsts_always: bool,
        no_store_prefixes: Iterable[str],
        no_csp_paths: Iterable[str],
    ) -> None:
        self.app = app
        self.hsts_always = hsts_always
        self.no_store_prefixes = tuple(no_store_prefixes)
        self.no_csp_paths = frozenset(no_csp_paths)

    def _defaults(self, scope: Scope) -> dict[str, str]:
        path: str = scope["path"]
        defaults = dict(BASE_HEADERS)
        if path not in self.no_csp_paths:
            defaults["Content-Security-Policy"] = API_CSP
        if self.hsts_always or _is_https(scope):
            defaults["Strict-Transport-Security"] = HSTS
        if path.startswith(self.no_store_prefixes):
            defaults["Cache-Control"] = "no-store"
        return defaults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        defaults = self._defaults(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in defaults.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
