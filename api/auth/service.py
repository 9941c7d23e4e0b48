"""Log a user in from a verified provider profile: link or create, open a session, audit.

Two concurrent first logins of the same social account race on the unique
`(provider, provider_user_id)` constraint; the loser rolls back and retries, then finds the
winner's account, so exactly one user is created.
"""

from __future__ import annotations

import logging
import re
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.auth.models import LoginAudit, SocialAccount
from api.auth.providers.base import ProviderProfile
from api.auth.sessions import ClientInfo, IssuedTokens, start_session
from api.cache.changes import note_user_changed
from api.db import utcnow
from api.domain_errors import Conflict
from api.settings import Settings
from api.users.models import User
from api.users.schemas import RESERVED_NICKNAMES

_ATTEMPTS = 3
_NOT_ALLOWED = re.compile(r"[^\w가-힣 .-]")
log = logging.getLogger(__name__)


def _default_nickname(profile: ProviderProfile) -> str:
    """The provider's nickname made to fit our nickname rules, else `kakao-1a2b3c`."""
    nickname = re.sub(r"\s+", " ", _NOT_ALLOWED.sub("", profile.nickname or "")).strip()[:20].strip()
    if len(nickname) >= 2 and nickname.casefold() not in RESERVED_NICKNAMES:
        return nickname
    return f"{profile.provider}-{uuid.uuid4().hex[:6]}"


def _link_or_create(
    session: Session, profile: ProviderProfile, *, link_to: uuid.UUID | None
) -> tuple[User, SocialAccount]:
    now = utcnow()
    account = session.scalars(
        select(SocialAccount).where(
            SocialAccount.provider == profile.provider,
            SocialAccount.provider_user_id == profile.provider_user_id,
        )
    ).first()
    if account is not None:
        if link_to is not None and account.user_id != link_to:
            raise Conflict(
                f"this {profile.provider} account is already linked to another user",
                code="account_already_linked",
            )
        user = session.get(User, account.user_id)
        if user is None:  # deleted concurrently; the cascade will remove the account too
            raise IntegrityError("user vanished", None, Exception("user vanished"))
    else:
        user = session.get(User, link_to) if link_to else None
        if user is None:
            user = User(
                id=uuid.uuid4(),
                nickname=_default_nickname(profile),
                email=profile.email,
                profile_image_url=profile.profile_image_url,
                created_at=now,
            )
            session.add(user)
            session.flush()
        account = SocialAccount(
            id=uuid.uuid4(),
            user_id=user.id,
            provider=profile.provider,
            provider_user_id=profile.provider_user_id,
            created_at=now,
        )
        session.add(account)
        session.flush()
    account.email = profile.email or account.email
    account.last_login_at = now
    user.last_login_at = now
    if user.email is None and profile.email:
        user.email = profile.email
    if user.profile_image_url is None and profile.profile_image_url:
        user.profile_image_url = profile.profile_image_url
    note_user_changed(session, user.id)  # `last_login_at`, maybe email and image: in every session's profile
    return user, account


def login(
    session: Session,
    *,
    settings: Settings,
    profile: ProviderProfile,
    client: ClientInfo,
    flow: str,
    link_to: uuid.UUID | None = None,
) -> tuple[User, IssuedTokens]:
    """Link or create the user behind `profile`, start a session and commit everything at once."""
    for attempt in range(_ATTEMPTS):
        try:
            user, _account = _link_or_create(session, profile, link_to=link_to)
            tokens = start_session(
                session, settings=settings, user_id=user.id, provider=profile.provider, client=client
            )
            record_login(
                session,
                user_id=user.id,
                provider=profile.provider,
                flow=flow,
                client=client,
                session_id=tokens.session_id,
            )
            session.commit()
            return user, tokens
        except IntegrityError:
            session.rollback()
            log.info("concurrent login of %s account, retrying (attempt %d)", profile.provider, attempt + 1)
            if attempt == _ATTEMPTS - 1:
                raise Conflict("concurrent login conflict, please retry", code="login_conflict") from None
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def record_login(
    session: Session,
    *,
    user_id: uuid.UUID,
    provider: str,
    flow: str,
    client: ClientInfo,
    session_id: uuid.UUID | None,
) -> None:
    session.add(
        LoginAudit(
            id=uuid.uuid4(),
            user_id=user_id,
            success=True,
            session_id=session_id,
            provider=provider,
            flow=flow,
            ip_address=client.ip_address,
            user_agent=(client.user_agent or "")[:500] or None,
            created_at=utcnow(),
        )
    )


def record_failure(session: Session, *, provider: str, flow: str, client: ClientInfo, code: str) -> None:
    """Audit a failed login attempt (no user: nothing was linked or created). Commits."""
    session.rollback()
    session.add(
        LoginAudit(
            id=uuid.uuid4(),
            success=False,
            failure_code=code[:40],
            provider=provider,
            flow=flow,
            ip_address=client.ip_address,
            user_agent=(client.user_agent or "")[:500] or None,
            created_at=utcnow(),
        )
    )
    session.commit()
