"""`SignedInUsers` and `VerifiedTokens` on their own: TTL, expiry, eviction and the generation rule."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from api.auth.cache import SignedInUser, SignedInUsers, VerifiedTokens
from api.auth.tokens import TokenClaims
from api.cache.changes import Change, ChangeKind
from api.context import AppContext
from api.db import utcnow
from api.main import create_app
from api.settings import Settings
from api.users.schemas import UserPublic
from tests.conftest import clear_tables


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def signed_in(user_id: uuid.UUID | None = None, *, expires_in: timedelta = timedelta(days=1)) -> SignedInUser:
    user_id = user_id or uuid.uuid4()
    profile = UserPublic(
        id=user_id,
        nickname="tester",
        email=None,
        profile_image_url=None,
        created_at=utcnow(),
        last_login_at=None,
    )
    return SignedInUser(
        id=user_id, session_id=uuid.uuid4(), session_expires_at=utcnow() + expires_in, profile=profile
    )


def cache(clock: Clock, *, ttl: float = 60, entries: int = 100, trusted: bool = True) -> SignedInUsers:
    return SignedInUsers(ttl_seconds=ttl, max_entries=entries, trusted=trusted, clock=clock)


def test_an_entry_is_served_until_its_ttl() -> None:
    clock = Clock()
    users = cache(clock, ttl=60)
    user = signed_in()
    users.put(user.session_id, user, generation=users.generation())
    clock.now += 59.9
    assert users.get(user.session_id) == user
    clock.now += 0.1
    assert users.get(user.session_id) is None
    assert len(users) == 0


def test_an_entry_of_an_expired_session_is_not_served() -> None:
    users = cache(Clock())
    user = signed_in(expires_in=timedelta(seconds=-1))
    users.put(user.session_id, user, generation=users.generation())
    assert users.get(user.session_id) is None


def test_a_check_that_raced_an_eviction_is_not_stored() -> None:
    """The check read the row before a revocation was announced: its answer may be the old one."""
    users = cache(Clock())
    user = signed_in()
    generation = users.generation()
    users.evict(Change(ChangeKind.session, uuid.uuid4()))  # any change in between
    users.put(user.session_id, user, generation=generation)
    assert users.get(user.session_id) is None


def test_evicting_a_user_drops_all_their_sessions_and_no_one_elses() -> None:
    users = cache(Clock())
    alice = uuid.uuid4()
    first, second, bob = signed_in(alice), signed_in(alice), signed_in()
    for user in (first, second, bob):
        users.put(user.session_id, user, generation=users.generation())
    users.evict(Change(ChangeKind.user, alice))
    assert users.get(first.session_id) is None
    assert users.get(second.session_id) is None
    assert users.get(bob.session_id) == bob


def test_evicting_a_session_drops_only_it() -> None:
    users = cache(Clock())
    alice = uuid.uuid4()
    first, second = signed_in(alice), signed_in(alice)
    for user in (first, second):
        users.put(user.session_id, user, generation=users.generation())
    users.evict(Change(ChangeKind.session, first.session_id))
    assert users.get(first.session_id) is None
    assert users.get(second.session_id) == second


def test_an_untrusted_cache_serves_and_stores_nothing() -> None:
    users = cache(Clock(), trusted=False)
    user = signed_in()
    users.put(user.session_id, user, generation=users.generation())
    assert len(users) == 0
    users.set_trusted(True)
    users.put(user.session_id, user, generation=users.generation())
    assert users.get(user.session_id) == user
    users.set_trusted(False)  # the feed lost its link: what it holds may be stale
    assert users.get(user.session_id) is None
    assert len(users) == 0


def test_the_oldest_entry_makes_room_and_zero_turns_it_off() -> None:
    users = cache(Clock(), entries=2)
    a, b, c = signed_in(), signed_in(), signed_in()
    for user in (a, b, c):
        users.put(user.session_id, user, generation=users.generation())
    assert [users.get(u.session_id) for u in (a, b, c)] == [None, b, c]
    off = cache(Clock(), ttl=0)
    off.put(a.session_id, a, generation=off.generation())
    assert len(off) == 0


def claims(expires_in: timedelta) -> TokenClaims:
    now = utcnow()
    return TokenClaims(
        sub=uuid.uuid4(), jti="j", type="access", provider="dev", issued_at=now,
        expires_at=now + expires_in, sid=uuid.uuid4(),
    )  # fmt: skip


def test_a_verified_token_is_forgotten_once_it_expires() -> None:
    tokens = VerifiedTokens(max_entries=10)
    live, expired = claims(timedelta(minutes=5)), claims(timedelta(seconds=-1))
    tokens.put("live", live)
    tokens.put("expired", expired)
    assert tokens.get("live") == live
    assert tokens.get("expired") is None
    assert tokens.get("never seen") is None


def test_a_cached_token_is_refused_once_it_expires(
    make_settings: Callable[..., Settings], migrated_postgres_url: str
) -> None:
    """The signature is checked once per process; the expiry on every request."""
    context = AppContext.from_settings(
        make_settings(database_url=migrated_postgres_url, access_token_ttl_seconds=1)
    )
    try:
        with TestClient(create_app(context=context)) as client:
            token = client.post("/api/v1/auth/dev/token", json={"nickname": "shortlived"}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            assert client.get("/api/v1/users/me", headers=headers).status_code == 200
            time.sleep(1.1)
            expired = client.get("/api/v1/users/me", headers=headers)
            assert (expired.status_code, expired.json()["detail"]) == (401, "token expired")
    finally:
        clear_tables(context)
        context.close()
