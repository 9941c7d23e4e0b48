"""`CurrentUser`: the user behind an access token from `Authorization: Bearer` or the access cookie.

`CurrentUser` is a `SignedInUser` (id and public profile, usually from this process's cache of
checked sessions: no query); `CurrentUserRow` is the ORM row, for routes that change it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.cache import SignedInUser
from api.auth.models import AuthSession
from api.auth.tokens import InvalidToken, TokenClaims, decode_token
from api.context import AppContext
from api.db import read_in_autocommit, utcnow
from api.deps import ContextDep, SessionDep
from api.errors import ApiError
from api.users.models import User
from api.users.schemas import UserPublic

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


def access_claims(request: Request, context: AppContext) -> TokenClaims:
    """The claims of the request's access token (bearer header, else the access cookie); 401 if none.

    Signature and expiry only, no database: `get_signed_in_user` checks the session. Also used by
    routes that must refuse an anonymous caller before reading its body (`LoginFirstRoute`).
    A token verified before is looked up, not verified again (its expiry still is).
    """
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    token = bearer.strip() if scheme.lower() == "bearer" and bearer.strip() else None
    token = token or request.cookies.get(ACCESS_COOKIE)
    if not token:
        raise ApiError(401, "not authenticated", code="unauthorized", headers={"WWW-Authenticate": "Bearer"})
    verified = context.verified_tokens
    claims = verified.get(token)
    if claims is not None:
        return claims
    try:
        claims = decode_token(context.settings, token, expected_type="access")
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from None
    verified.put(token, claims)
    return claims


async def get_access_claims(
    request: Request,
    context: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TokenClaims:
    """`access_claims` as a dependency (`credentials` puts the bearer scheme in the OpenAPI schema).

    Async: an HMAC check costs less than the hop to a worker thread a `def` dependency takes."""
    del credentials
    return access_claims(request, context)


AccessClaims = Annotated[TokenClaims, Depends(get_access_claims)]


def check_session(factory: sessionmaker[Session], claims: TokenClaims) -> SignedInUser:
    """The token's user, checked against its session in one query on a short session of its own.

    The connection goes back before the route runs: a route that next waits on something else (the
    upload body, the broker's confirm) holds no pooled connection meanwhile. Under load, requests
    holding a connection while waiting for another one was what stopped the API at 10 scans/s.
    """
    with factory() as session:
        read_in_autocommit(session)
        row = session.execute(
            select(User, AuthSession.revoked_at, AuthSession.expires_at)
            .outerjoin(AuthSession, (AuthSession.id == claims.sid) & (AuthSession.user_id == User.id))
            .where(User.id == claims.sub)
        ).first()
        if row is None:
            raise _unauthorized("user no longer exists")
        user, revoked_at, expires_at = row
        if expires_at is None or revoked_at is not None or expires_at <= utcnow():
            raise _unauthorized("session has been revoked")
        return SignedInUser(
            id=user.id,
            session_id=claims.sid,
            session_expires_at=expires_at,
            profile=UserPublic.model_validate(user),
        )


async def get_signed_in_user(context: ContextDep, claims: AccessClaims) -> SignedInUser:
    """The caller, from this process's cache of checked sessions, else from the database (one query
    in a worker thread). `api/auth/cache.py` says when a cached answer is trusted."""
    cache = context.signed_in_users
    cached = cache.get(claims.sid)
    if cached is not None and cached.id == claims.sub:
        return cached
    generation = cache.generation()
    user = await run_in_threadpool(check_session, context.session_factory, claims)
    cache.put(user.session_id, user, generation=generation)
    return user


CurrentUser = Annotated[SignedInUser, Depends(get_signed_in_user)]


def get_current_user_row(session: SessionDep, user: CurrentUser) -> User:
    """The caller's row in the request's session, for routes that change or delete it."""
    row = session.get(User, user.id)
    if row is None:
        raise _unauthorized("user no longer exists")
    return row


CurrentUserRow = Annotated[User, Depends(get_current_user_row)]

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
            access_claims(request, request.app.state.context)
            return await handler(request)

        return login_first
