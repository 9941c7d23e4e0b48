"""`POST /auth/dev/token`: sign in without a provider, for local development.

Off unless `WASTE_DEV_LOGIN=true` or `WASTE_ENV=development`: then it answers 404, as if it did not
exist, and `api.main` leaves it out of the OpenAPI schema (it stays mounted so that `dev` is not
taken for a provider name by `/auth/{provider}/token`).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from api.auth.cookies import set_auth_cookies
from api.auth.http import client_info, token_response
from api.auth.models import SocialAccount
from api.auth.schemas import DevTokenRequest, TokenResponse
from api.auth.service import record_login
from api.auth.sessions import start_session
from api.cache.changes import note_user_changed
from api.db import utcnow
from api.deps import SessionDep, SettingsDep
from api.errors import ApiError, error_responses
from api.ratelimit import login_rate_limit
from api.users.models import User

dev_router = APIRouter(prefix="/auth", tags=["auth"])


@dev_router.post(
    "/dev/token",
    response_model=TokenResponse,
    responses=error_responses(404, 422, 429),
    dependencies=login_rate_limit,
)
def dev_token(
    body: DevTokenRequest, request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> TokenResponse:
    """Development only: sign in as a local user by nickname, without a provider.

    404 unless enabled (`WASTE_DEV_LOGIN`, or `WASTE_ENV=development`), and then absent from the schema.
    """
    if not settings.dev_login_enabled:
        raise ApiError(404, "Not Found", code="not_found")
    # Dev users are the ones without a provider link: a dev login never takes over a real account.
    linked = select(SocialAccount.id).where(SocialAccount.user_id == User.id).exists()
    user = session.scalars(
        select(User).where(User.nickname == body.nickname, User.email.is_(None), ~linked).limit(1)
    ).first()
    if user is None:
        user = User(id=uuid.uuid4(), nickname=body.nickname, created_at=utcnow())
        session.add(user)
        session.flush()
    user.last_login_at = utcnow()
    note_user_changed(session, user.id)
    client = client_info(request)
    tokens = start_session(session, settings=settings, user_id=user.id, provider="dev", client=client)
    record_login(
        session, user_id=user.id, provider="dev", flow="dev", client=client, session_id=tokens.session_id
    )
    session.commit()
    if body.set_cookies:  # the web client (api/web) keeps tokens out of reach of its scripts
        set_auth_cookies(response, settings, tokens)
    return token_response(user, tokens)
