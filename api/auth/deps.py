"""`CurrentUser`: the user behind an access token from `Authorization: Bearer` or the access cookie."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from api.auth.models import AuthSession
from api.auth.tokens import InvalidToken, TokenClaims, decode_token
from api.db import utcnow
from api.deps import SessionDep, SettingsDep
from api.errors import ApiError
from api.settings import Settings
from api.users.models import User

ACCESS_COOKIE = "waste_access"
REFRESH_COOKIE = "waste_refresh"

_bearer = HTTPBearer(auto_error=False, description="Access token from /auth/*/token or /auth/refresh")


def unauthorized(detail: str) -> ApiError:
    """401 with the RFC 6750 `WWW-Authenticate` challenge."""
    return _unauthorized(detail)


def _challenge_description(detail: str) -> str:
    """`detail` cut to the characters RFC 6750 allows in `error_description` (%x20-21/23-5B/5D-7E).

    Error texts can echo parts of an attacker's token (PyJWT's "Unsupported critical extension:
    <crit>"); a non-Latin-1 character there would make the header unencodable (a 500).
    """
    return "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "?" for ch in detail)[:200]


def _unauthorized(detail: str) -> ApiError:
    description = _challenge_description(detail)
    return ApiError(
        401,
        detail,
        code="unauthorized",
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'},
    )


def access_claims(request: Request, settings: Settings) -> TokenClaims:
    """The claims of the request's access token (bearer header, else the access cookie); 401 if none.

    Signature and expiry only, no database: `get_current_user` checks the session. Also used by
    routes that must refuse an anonymous caller before reading its body (`LoginFirstRoute`).
    """
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    token = bearer.strip() if scheme.lower() == "bearer" and bearer.strip() else None
    token = token or request.cookies.get(ACCESS_COOKIE)
    if not token:
        raise ApiError(401, "not authenticated", code="unauthorized", headers={"WWW-Authenticate": "Bearer"})
    try:
        return decode_token(settings, token, expected_type="access")
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from None


async def get_access_claims(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TokenClaims:
    """`access_claims` as a dependency (`credentials` puts the bearer scheme in the OpenAPI schema).

    Async: an HMAC check costs less than the hop to a worker thread a `def` dependency takes."""
    del credentials
    return access_claims(request, settings)


AccessClaims = Annotated[TokenClaims, Depends(get_access_claims)]


def get_current_user(session: SessionDep, claims: AccessClaims) -> User:
    """The token's user, checked against its session in one query; then the connection goes back.

    Ending the read transaction here means a route that next waits on something else (the upload
    body, the broker's confirm) holds no pooled connection meanwhile: under load, requests holding a
    connection while waiting for another one was what stopped the API at 10 scans/s.
    """
    if not session.in_transaction():
        # One statement in autocommit: no BEGIN and COMMIT around it (two round trips of four;
        # the connection's isolation level is reset when it goes back to the pool).
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    row = session.execute(
        select(User, AuthSession.revoked_at, AuthSession.expires_at)
        .outerjoin(AuthSession, (AuthSession.id == claims.sid) & (AuthSession.user_id == User.id))
        .where(User.id == claims.sub)
    ).first()
    session.commit()
    if row is None:
        raise _unauthorized("user no longer exists")
    user, revoked_at, expires_at = row
    if expires_at is None or revoked_at is not None or expires_at <= utcnow():
        raise _unauthorized("session has been revoked")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]

BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


class LoginFirstRoute(APIRoute):
    """A route that answers 401 to a request without a valid access token before its body is read.

    FastAPI reads (and spools to disk, for a form) the whole body before it runs any dependency,
    `CurrentUser` included; for an upload route that would let anyone make the API store up to
    the upload limit per request. The token's signature and expiry are checked first here; the
    session check is still `CurrentUser`'s.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def login_first(request: Request) -> Response:
            access_claims(request, request.app.state.context.settings)
            return await handler(request)

        return login_first
