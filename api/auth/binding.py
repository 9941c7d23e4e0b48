"""Bind a pending web login to the client that started it, against login CSRF (issue 15, row 8).

Without this, whoever holds a callback URL (`?code&state`) can finish that login: an attacker
starts a login, approves it with their own account, and sends the callback URL to a victim, who
ends up signed in as the attacker (and uploads their photos into the attacker's account).

`/authorize` gives the client a secret binding value, as an HttpOnly cookie scoped to the auth
routes (browsers) and in the JSON answer (apps without a cookie jar send it back in the
`X-Login-Binding` header); the pending login stores only its SHA-256. The callback refuses a
request that brings neither. A browser keeps one value for the cookie's lifetime, so two logins
started in two tabs both finish.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from fastapi import Request, Response

from api.auth.cookies import REFRESH_COOKIE_PATH
from api.auth.state import PendingLogin
from api.errors import ApiError
from api.settings import Settings

BINDING_COOKIE = "waste_login"
BINDING_HEADER = "X-Login-Binding"
_WELL_FORMED = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)


def client_binding(request: Request) -> str:
    """The browser's current binding value if it has a well-formed one, else a new random one."""
    current = request.cookies.get(BINDING_COOKIE, "")
    return current if _WELL_FORMED.match(current) else secrets.token_urlsafe(32)


def binding_digest(value: str) -> str:
    return hashlib.sha256(value.encode("ascii", "replace")).hexdigest()


def set_binding_cookie(response: Response, request: Request, settings: Settings, value: str) -> None:
    """HttpOnly, SameSite=Lax (sent on the provider's top-level redirect back), Secure over https."""
    response.set_cookie(
        BINDING_COOKIE,
        value,
        max_age=settings.oauth_state_ttl_seconds,
        path=REFRESH_COOKIE_PATH,
        domain=settings.auth_cookie_domain,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )


def check_binding(request: Request, pending: PendingLogin) -> None:
    """400 unless the callback comes from the client that started the login (cookie or header)."""
    presented = [request.cookies.get(BINDING_COOKIE), request.headers.get(BINDING_HEADER)]
    expected = pending.binding
    if expected is not None and any(
        value and hmac.compare_digest(binding_digest(value), expected) for value in presented
    ):
        return
    raise ApiError(
        400,
        "this login was started in another browser or app (its login cookie is missing or does not "
        "match): start the login again here",
        code="login_not_bound",
    )
