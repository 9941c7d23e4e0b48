"""HttpOnly, Secure, SameSite=Lax cookies for browser clients.

The refresh cookie is scoped to the auth endpoints so it is not sent with every API call.
"""

from __future__ import annotations

from fastapi import Response

from api.auth.deps import ACCESS_COOKIE, REFRESH_COOKIE
from api.auth.sessions import IssuedTokens
from api.settings import Settings

REFRESH_COOKIE_PATH = "/api/v1/auth"


def set_auth_cookies(response: Response, settings: Settings, tokens: IssuedTokens) -> None:
    for name, value, max_age, path in (
        (ACCESS_COOKIE, tokens.access_token, tokens.expires_in, "/"),
        (REFRESH_COOKIE, tokens.refresh_token, tokens.refresh_expires_in, REFRESH_COOKIE_PATH),
    ):
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=path,
            domain=settings.auth_cookie_domain,
            secure=settings.auth_cookie_secure,
            httponly=True,
            samesite="lax",
        )


def clear_auth_cookies(response: Response, settings: Settings) -> None:
    for name, path in ((ACCESS_COOKIE, "/"), (REFRESH_COOKIE, REFRESH_COOKIE_PATH)):
        response.delete_cookie(
            name,
            path=path,
            domain=settings.auth_cookie_domain,
            secure=settings.auth_cookie_secure,
            httponly=True,
            samesite="lax",
        )
