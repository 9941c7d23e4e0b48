from fastapi import APIRouter

from api.auth.schemas import DevTokenRequest, TokenResponse
from api.auth.tokens import issue_token
from api.db import utcnow
from api.deps import SessionDep, SettingsDep
from api.errors import ApiError, error_responses
from api.users.models import User
from api.users.schemas import UserPublic

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/dev/token", response_model=TokenResponse, responses=error_responses(404, 422))
def dev_token(body: DevTokenRequest, session: SessionDep, settings: SettingsDep) -> TokenResponse:
    """Development only: sign in as a local user by nickname, without a provider.

    Answers 404 when `WASTE_ENV=production`, as if it did not exist.
    """
    if settings.is_production:
        raise ApiError(404, "Not Found", code="not_found")
    user = session.query(User).filter_by(nickname=body.nickname, email=None).first()
    if user is None:
        user = User(nickname=body.nickname)
        session.add(user)
    user.last_login_at = utcnow()
    session.commit()
    token, _claims = issue_token(settings, user_id=user.id, token_type="access", provider="dev")
    return TokenResponse(
        access_token=token, expires_in=settings.access_token_ttl_seconds, user=UserPublic.model_validate(user)
    )
