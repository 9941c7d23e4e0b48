from fastapi import APIRouter, Response

from api.account.erasure import user_data_erasers
from api.account.service import delete_account, update_profile
from api.account.stats import user_stats
from api.auth.deps import CurrentUser, CurrentUserRow
from api.db import utcnow
from api.deps import BundleDep, SessionDep, StorageDep
from api.errors import ApiError, error_responses
from api.users.schemas import UserPublic, UserStats, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserPublic, responses=error_responses(401))
async def read_me(user: CurrentUser) -> UserPublic:
    """The signed-in user's profile."""
    return user.profile


@router.patch("/me", response_model=UserPublic, responses=error_responses(401, 422))
def update_me(body: UserUpdate, user: CurrentUserRow, session: SessionDep) -> UserPublic:
    """Change the nickname (2-20 letters, digits, Hangul, space, `.`, `_`, `-`) or profile image."""
    if not body.model_fields_set:
        raise ApiError(
            422, "nothing to update: send nickname and/or profile_image_url", code="validation_error"
        )
    return UserPublic.model_validate(update_profile(session, user=user, changes=body))


@router.get("/me/stats", response_model=UserStats, responses=error_responses(401))
def read_my_stats(user: CurrentUser, session: SessionDep, bundle: BundleDep) -> UserStats:
    """Scan statistics: totals by status and category, first/last scan, daily streak (KST days)."""
    return user_stats(session=session, user_id=user.id, now=utcnow(), bundle=bundle)


@router.delete("/me", status_code=204, responses=error_responses(401, 503))
def delete_me(user: CurrentUserRow, session: SessionDep, storage: StorageDep) -> Response:
    """Delete the account: personal data, provider links, sessions, scans and their images.

    503 `storage_unavailable` when stored images could not be deleted: nothing was deleted, retry.
    """
    delete_account(session, user=user, erasers=user_data_erasers(storage=storage))
    return Response(status_code=204)
