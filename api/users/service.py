"""Account changes: profile updates and deletion (personal data, provider links, sessions)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from api.auth.models import AuthSession, LoginAudit, SocialAccount
from api.users.erasure import Eraser, user_data_erasers
from api.users.models import User
from api.users.schemas import UserUpdate


def update_profile(session: Session, *, user: User, changes: UserUpdate) -> User:
    for field in changes.model_fields_set:
        setattr(user, field, getattr(changes, field))
    session.commit()
    return user


def delete_account(session: Session, *, user: User, erasers: dict[str, Eraser] | None = None) -> None:
    """Delete the user and everything personal in one transaction (all or nothing)."""
    user_id = user.id
    try:
        for eraser in (erasers if erasers is not None else user_data_erasers()).values():
            eraser(session, user_id)
        for model in (LoginAudit, AuthSession, SocialAccount):
            session.execute(delete(model).where(model.user_id == user_id))
        session.execute(delete(User).where(User.id == user_id))
        session.commit()
    except BaseException:
        session.rollback()
        raise
