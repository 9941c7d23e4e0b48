"""`GET /users/me/stats` on PostgreSQL: scans made through the API (in-process, offline analyser),
their `created_at` moved onto chosen Korean calendar days for the streak; plus the SQLite spelling.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api import migrate
from api.account.stats import user_stats
from api.context import AppContext
from api.db import utcnow
from api.knowledge import load_bundle
from api.scans.models import Scan
from api.settings import Settings
from api.users.models import User
from tests.api.scans import imagegen
from tests.api.scans.conftest import wait_for_scan

pytestmark = pytest.mark.services
Headers = Callable[[str], dict[str, str]]
KST = ZoneInfo("Asia/Seoul")


def _scan(client: TestClient, headers: dict[str, str], note: str, seed: int) -> dict[str, Any]:
    files = {"image": ("x.jpg", imagegen.unique_jpeg(seed), "image/jpeg")}
    created = client.post("/api/v1/scans", files=files, data={"note": note}, headers=headers)
    assert created.status_code == 202, created.text
    scan = wait_for_scan(client, headers, created.json()["id"])
    assert scan["status"] == "done", scan
    return scan


def _user_id(client: TestClient, headers: dict[str, str]) -> uuid.UUID:
    return uuid.UUID(client.get("/api/v1/users/me", headers=headers).json()["id"])


def _kst(day: datetime, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` Korean time on `day`'s Korean date, as a UTC datetime."""
    local = datetime.combine(day.astimezone(KST).date(), time(hour, minute), KST)
    return local.astimezone(UTC)


def _move(context: AppContext, scan_id: uuid.UUID | str, created_at: datetime) -> None:
    with context.session_factory() as session:
        session.execute(update(Scan).where(Scan.id == uuid.UUID(str(scan_id))).values(created_at=created_at))
        session.commit()


def _insert(context: AppContext, user_id: uuid.UUID, status: str, created_at: datetime) -> None:
    with context.session_factory() as session:
        session.add(
            Scan(user_id=user_id, status=status, image_key="", image_sha256="0" * 64, created_at=created_at)
        )
        session.commit()


def test_no_scans_is_all_zeros(client: TestClient, auth_headers: Headers) -> None:
    response = client.get("/api/v1/users/me/stats", headers=auth_headers("newcomer"))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "total_scans": 0,
        "by_status": {"done": 0, "failed": 0, "pending": 0},
        "by_category": [],
        "first_scan_at": None,
        "last_scan_at": None,
        "streak": {"current": 0, "longest": 0, "scanned_today": False},
        "timezone": "Asia/Seoul",
    }


def test_stats_count_statuses_categories_and_streaks(
    client: TestClient, auth_headers: Headers, context: AppContext
) -> None:
    alice, bob = auth_headers("alice"), auth_headers("bob")
    alice_id, bob_id = _user_id(client, alice), _user_id(client, bob)
    notes = ["투명 페트병", "투명 페트병 라벨 제거", "알루미늄 캔", "신문지", "무엇인지 모를 물건"]
    scans = [_scan(client, alice, note, n) for n, note in enumerate(notes)]
    bob_scan = _scan(client, bob, "건전지", 99)
    expected = Counter(item["category_id"] for s in scans for item in s["result"]["items"])
    assert expected["pet_clear"] == 2 and expected["metal"] == 1 and "battery" not in expected

    # Alice's days (Korean calendar): today (00:30 KST is still yesterday in UTC), yesterday, two
    # days ago -> a run of 3; a gap on days 3 and 4; days 5-8 -> a run of 4. Bob scanned on days 3
    # and 4: counting his scans would join Alice's runs into one of 9.
    now = utcnow()
    days_ago = [0, 1, 2, 5, 6]
    for scan, n in zip(scans, days_ago, strict=True):
        _move(context, scan["id"], _kst(now - timedelta(days=n), 0 if n == 0 else 18, 30))
    _insert(context, alice_id, "failed", _kst(now - timedelta(days=7), 9))
    _insert(context, alice_id, "queued", _kst(now - timedelta(days=8), 23, 59))
    _move(context, bob_scan["id"], _kst(now - timedelta(days=3), 12))
    _insert(context, bob_id, "failed", _kst(now - timedelta(days=4), 12))

    response = client.get("/api/v1/users/me/stats", headers=alice)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total_scans"] == 7
    assert body["by_status"] == {"done": 5, "failed": 1, "pending": 1}
    assert body["streak"] == {"current": 3, "longest": 4, "scanned_today": True}
    assert datetime.fromisoformat(body["first_scan_at"]) == _kst(now - timedelta(days=8), 23, 59)
    assert datetime.fromisoformat(body["last_scan_at"]) == _kst(now, 0, 30)

    by_category = body["by_category"]
    assert {c["category_id"]: c["count"] for c in by_category} == dict(expected)
    counts = [(-c["count"], c["category_id"]) for c in by_category]
    assert counts == sorted(counts)
    top = by_category[0]
    pet = load_bundle().category("pet_clear")
    assert pet is not None
    assert top == {"category_id": "pet_clear", "name_ko": pet.name_ko, "name_en": pet.name_en, "count": 2}

    bob_stats = client.get("/api/v1/users/me/stats", headers=bob).json()
    assert bob_stats["total_scans"] == 2 and bob_stats["by_status"]["failed"] == 1
    assert [c["category_id"] for c in bob_stats["by_category"]] == ["battery"]
    assert bob_stats["streak"] == {"current": 0, "longest": 2, "scanned_today": False}

    # The same data seen on later days (the service takes the clock explicitly).
    bundle = load_bundle()
    with context.session_factory() as session:

        def streak_on(day: datetime) -> tuple[int, int, bool]:
            s = user_stats(session=session, user_id=alice_id, now=day, bundle=bundle).streak
            return s.current, s.longest, s.scanned_today

        assert streak_on(_kst(now + timedelta(days=1), 23, 59)) == (3, 4, False)  # still alive
        assert streak_on(_kst(now + timedelta(days=2), 0, 1)) == (0, 4, False)  # broken
        # Looking back from 5 days ago: today's scans are in the future and do not count.
        assert streak_on(_kst(now - timedelta(days=5), 12)) == (4, 4, True)


def test_stats_need_a_token(client: TestClient) -> None:
    response = client.get("/api/v1/users/me/stats")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"]


def test_openapi_lists_the_error_responses(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "401" in paths["/api/v1/users/me/stats"]["get"]["responses"]
    assert {"401", "503"} <= set(paths["/api/v1/users/me"]["delete"]["responses"])


@pytest.fixture
def sqlite_context(make_settings: Callable[..., Settings]) -> Iterator[AppContext]:
    settings = make_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.resolved_database_url)
    context = AppContext.from_settings(settings)
    yield context
    context.close()


def test_the_sqlite_spelling_gives_the_same_numbers(sqlite_context: AppContext) -> None:
    """The embedded profile: day numbers with a fixed +09:00 offset, categories through json_each."""
    now = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 12:00 KST

    def result(*categories: str) -> dict[str, Any]:
        return {"items": [{"category_id": c} for c in categories]}

    rows: list[tuple[int, int, str, dict[str, Any] | None]] = [  # (days ago, KST hour, status, result)
        (0, 0, "done", result("glass", "metal")),  # 00:00 KST = 15:00 UTC the day before
        (1, 23, "done", result("glass")),
        (3, 12, "failed", None),
        (4, 12, "done", {"items": []}),
        (5, 12, "analysing", None),
    ]
    with sqlite_context.session_factory() as session:
        user, other = User(nickname="sqlite"), User(nickname="other")
        session.add_all([user, other])
        session.flush()
        for days_ago, hour, status, res in rows:
            session.add(
                Scan(user_id=user.id, status=status, image_key="", image_sha256="0" * 64, result=res,
                     created_at=_kst(now - timedelta(days=days_ago), hour))
            )  # fmt: skip
        session.add(Scan(user_id=other.id, status="done", image_key="", image_sha256="1" * 64,
                         result=result("metal"), created_at=_kst(now - timedelta(days=2), 12)))  # fmt: skip
        session.commit()
        stats = user_stats(session=session, user_id=user.id, now=now, bundle=load_bundle())
    assert stats.total_scans == 5
    assert (stats.by_status.done, stats.by_status.failed, stats.by_status.pending) == (3, 1, 1)
    assert [(c.category_id, c.count) for c in stats.by_category] == [("glass", 2), ("metal", 1)]
    assert stats.by_category[0].name_en == "Glass bottles"
    assert (stats.streak.current, stats.streak.longest, stats.streak.scanned_today) == (2, 3, True)
    assert stats.first_scan_at == _kst(now - timedelta(days=5), 12)
    assert stats.last_scan_at == _kst(now, 0)
