"""Account changes: profile updates and deletion (personal data, provider links, sessions)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.account.erasure import Eraser
from api.auth.models import AuthSession, LoginAudit, SocialAccount
from api.cache.changes import note_user_changed
from api.users.models import User
from api.users.schemas import UserUpdate


def update_profile(session: Session, *, user: User, changes: UserUpdate) -> User:
    for field in changes.model_fields_set:
        setattr(user, field, getattr(changes, field))
    note_user_changed(session, user.id)
    session.commit()
    return user


def delete_account(session: Session, *, user: User, erasers: Mapping[str, Eraser]) -> None:
    """Delete the user and everything personal in one transaction (all or nothing).

    `erasers` is normally `api.account.erasure.user_data_erasers(storage=...)`. The user row is locked
    first (PostgreSQL), so a scan or upload inserted concurrently waits on its foreign key and then
    fails instead of slipping in after an eraser looked.
    """
    user_id = user.id
    try:
        session.execute(select(User.id).where(User.id == user_id).with_for_update())
        for eraser in erasers.values():
            eraser(session, user_id)
        for model in (LoginAudit, AuthSession, SocialAccount):
            session.execute(delete(model).where(model.user_id == user_id))
        session.execute(delete(User).where(User.id == user_id))
        note_user_changed(session, user_id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
