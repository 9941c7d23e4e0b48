"""Session endpoints: dev login, refresh, logout, list/revoke sessions (+ the provider flows)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from api.auth.cookies import clear_auth_cookies, set_auth_cookies
from api.auth.deps import (
    ACCESS_COOKIE,
    REFRESH_COOKIE,
    AccessClaims,
    BearerCredentials,
    CurrentUser,
    unauthorized,
)
from api.auth.http import token_response
from api.auth.models import AuthSession
from api.auth.oauth_router import router as oauth_router
from api.auth.schemas import RefreshRequest, SessionPublic, TokenResponse
from api.auth.sessions import active_sessions, revoke_session, rotate
from api.auth.tokens import InvalidToken, TokenClaims, TokenType, decode_token
from api.deps import SessionDep, SettingsDep
from api.errors import ApiError, error_responses
from api.ratelimit import refresh_rate_limit
from api.settings import Settings
from api.users.models import User

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/refresh",
    response_model=TokenResponse,
    responses=error_responses(401, 422, 429),
    dependencies=refresh_rate_limit,
)
def refresh(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    body: RefreshRequest | None = None,
) -> TokenResponse:
    """Rotate a refresh token (JSON body for mobile, the refresh cookie for web).

    The presented token dies; presenting it again revokes the whole session (theft detection).
    """
    from_cookie = body is None or body.refresh_token is None
    token = request.cookies.get(REFRESH_COOKIE) if from_cookie else (body.refresh_token if body else None)
    if not token:
        raise unauthorized("no refresh token: send {refresh_token} or the refresh cookie")
    try:
        tokens, user_id = rotate(session, settings=settings, refresh_token=token)
    except InvalidToken as exc:
        raise unauthorized(str(exc)) from None
    user = session.get(User, user_id)
    if user is None:
        raise unauthorized("user no longer exists")
    if from_cookie:
        set_auth_cookies(response, settings, tokens)
    return token_response(user, tokens)


def _logout_claims(
    request: Request,
    settings: Settings,
    credentials: HTTPAuthorizationCredentials | None,
    body: RefreshRequest | None,
) -> TokenClaims:
    """The session to end: from the access token if valid, else from the refresh token."""
    access = credentials.credentials if credentials else request.cookies.get(ACCESS_COOKIE)
    refresh_token = (body.refresh_token if body else None) or request.cookies.get(REFRESH_COOKIE)
    problem = "not authenticated"
    candidates: tuple[tuple[str | None, TokenType], ...] = ((access, "access"), (refresh_token, "refresh"))
    for token, kind in candidates:
        if not token:
            continue
        try:
            return decode_token(settings, token, expected_type=kind)
        except InvalidToken as exc:
            problem = str(exc)
    raise unauthorized(problem)


@router.post("/logout", status_code=204, responses=error_responses(401))
def logout(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: BearerCredentials,
    body: RefreshRequest | None = None,
) -> Response:
    """End the current session (access token, or refresh token in the body/cookie) and clear cookies."""
    claims = _logout_claims(request, settings, credentials, body)
    revoke_session(session, session_id=claims.sid, reason="logout")
    response = Response(status_code=204)
    clear_auth_cookies(response, settings)
    return response


@router.get("/sessions", response_model=list[SessionPublic], responses=error_responses(401))
def list_sessions(user: CurrentUser, claims: AccessClaims, session: SessionDep) -> list[SessionPublic]:
    """The signed-in user's active sessions (one per login/device), most recently used first."""
    return [
        SessionPublic.model_validate(row).model_copy(update={"current": row.id == claims.sid})
        for row in active_sessions(session, user_id=user.id)
    ]


@router.delete("/sessions/{session_id}", status_code=204, responses=error_responses(401, 404, 422))
def delete_session(session_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Response:
    """Revoke one of the user's sessions (its refresh and access tokens stop working)."""
    row = session.get(AuthSession, session_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise ApiError(404, "no such active session", code="session_not_found")
    revoke_session(session, session_id=session_id, reason="revoked_by_user")
    return Response(status_code=204)


router.include_router(oauth_router)
