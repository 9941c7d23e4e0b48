"""Real threads against PostgreSQL: racing first logins make one user; racing refreshes one winner."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from api.auth.models import AuthSession, SocialAccount
from api.auth.providers.base import ProviderProfile
from api.auth.service import login
from api.auth.sessions import ClientInfo, IssuedTokens, rotate, start_session
from api.auth.tokens import InvalidToken
from api.context import AppContext
from api.db import utcnow
from api.users.models import User

pytestmark = pytest.mark.services
THREADS = 8


def test_same_social_account_logging_in_concurrently_is_one_user(context: AppContext) -> None:
    assert context.engine.dialect.name == "postgresql"
    profile = ProviderProfile(
        provider="kakao", provider_user_id="race-1", email="race@kakao.test", nickname="경주"
    )
    barrier = threading.Barrier(THREADS)

    def one_login(_: int) -> uuid.UUID:
        with context.session_factory() as session:
            barrier.wait()
            user, _tokens = login(
                session,
                settings=context.settings,
                profile=profile,
                client=ClientInfo(device_id="d"),
                flow="mobile",
            )
            return user.id

    with ThreadPoolExecutor(THREADS) as pool:
        user_ids = set(pool.map(one_login, range(THREADS)))
    assert len(user_ids) == 1
    with context.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
        assert session.scalar(select(func.count()).select_from(SocialAccount)) == 1
        assert session.scalar(select(func.count()).select_from(AuthSession)) == THREADS


def test_concurrent_refresh_with_one_token_has_one_winner(context: AppContext) -> None:
    with context.session_factory() as session:
        user = User(id=uuid.uuid4(), nickname="refresher", created_at=utcnow())
        session.add(user)
        session.flush()
        first: IssuedTokens = start_session(
            session, settings=context.settings, user_id=user.id, provider="dev", client=ClientInfo()
        )
        session.commit()
    barrier = threading.Barrier(4)

    def one_refresh(_: int) -> bool:
        with context.session_factory() as session:
            barrier.wait()
            try:
                rotate(session, settings=context.settings, refresh_token=first.refresh_token)
            except InvalidToken:
                return False
            return True

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one_refresh, range(4)))
    assert results.count(True) == 1
    with context.session_factory() as session:
        row = session.get(AuthSession, first.session_id)
        assert row is not None and row.rotation_count == 1
        # The losers presented a token that was no longer current: treated as re-use.
        assert row.revoked_reason == "refresh_token_reuse"
