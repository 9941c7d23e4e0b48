from fastapi import APIRouter

from api.auth.deps import CurrentUser
from api.errors import error_responses
from api.users.schemas import UserPublic

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserPublic, responses=error_responses(401))
def read_me(user: CurrentUser) -> UserPublic:
    """The signed-in user's profile."""
    return UserPublic.model_validate(user)
