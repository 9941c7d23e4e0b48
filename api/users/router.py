from fastapi import APIRouter, Response

from api.auth.deps import CurrentUser
from api.deps import SessionDep
from api.errors import ApiError, error_responses
from api.users.schemas import UserPublic, UserUpdate
from api.users.service import delete_account, update_profile

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserPublic, responses=error_responses(401))
def read_me(user: CurrentUser) -> UserPublic:
    """The signed-in user's profile."""
    return UserPublic.model_validate(user)


@router.patch("/me", response_model=UserPublic, responses=error_responses(401, 422))
def update_me(body: UserUpdate, user: CurrentUser, session: SessionDep) -> UserPublic:
    """Change the nickname (2-20 letters, digits, Hangul, space, `.`, `_`, `-`) or profile image."""
    if not body.model_fields_set:
        raise ApiError(
            422, "nothing to update: send nickname and/or profile_image_url", code="validation_error"
        )
    return UserPublic.model_validate(update_profile(session, user=user, changes=body))


@router.delete("/me", status_code=204, responses=error_responses(401))
def delete_me(user: CurrentUser, session: SessionDep) -> Response:
    """Delete the account: personal data, provider links and sessions (see docs/auth.md for scans)."""
    delete_account(session, user=user)
    return Response(status_code=204)
