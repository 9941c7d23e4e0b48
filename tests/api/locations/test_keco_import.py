"""The KECO compensation-site layout: the file's own spellings, "상시", "계약종료", weeks, rewards.

One test reads the real KECO file from the shared data folder when it is there (it is not part of
the repository, so the test skips without it); the others use generated rows.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from api.context import AppContext
from api.locations.categories import categories_from_text
from api.locations.hours import SEOUL, is_open, parse_day_text, parse_weeks
from api.locations.importer.engine import import_points
from api.locations.importer.layouts import FORMATS
from api.locations.models import CollectionPoint

_REPO = Path(__file__).resolve().parents[3]
# `../shared` beside the checkout (CI, /work/main) or beside the worktrees' parent (/work/wt/<name>)
REAL_FILE = next(
    (p for p in (_REPO.parent / "shared/data/keco-recycle-compensation-sites.csv",
                 _REPO.parent.parent / "shared/data/keco-recycle-compensation-sites.csv") if p.exists()),
    _REPO.parent / "shared/data/keco-recycle-compensation-sites.csv",
)  # fmt: skip
_DAYS = ("mon", "tues", "wed", "thur", "fri", "sat", "sun")
HEADER = [
    "positnSn", "positnNm", "positnRgnNm", "positnLotnoAddr", "positnRdnmAddr", "positnPstnAddExpln",
    "positnPstnLat", "positnPstnLot", "positnIntdcCn", *(f"{d}SalsHrExplnCn" for d in _DAYS),
    "bscTelnoCn", "rprsTelnoCn", "comRelSrwrdListCn", "clctItemCn", "etcMttrCn",
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("투명패트병", {"pet_clear"}), ("투명페트명", {"pet_clear"}),
        ("무색페트병(투명페트병", {"pet_clear"}),
        ("투명pet", {"pet_clear"}), ("유색 PET", {"plastic"}), ("PET(유색)", {"plastic"}),
        ("유색혼합PET", {"plastic"}), ("판PET", {"plastic"}), ("PP(햇반용기)", {"plastic"}),
        ("PE비닐", {"vinyl"}), ("종이팩(멸균팩포함)", {"carton"}), ("투명, 갈색,녹색병", {"glass"}),
        ("(캔류)\n알루미늄 캔\n철 캔", {"metal"}),
    ],
)  # fmt: skip
def test_the_files_spellings_map_to_categories(text: str, expected: set[str]) -> None:
    assert categories_from_text(text) == expected


def test_hours_words_weeks_and_always_open() -> None:
    assert parse_day_text("상시") == [["00:00", "24:00"]]
    assert parse_weeks("10:00~12:00\n14:00~16:00\n(1,3,5주)") == [1, 3, 5]
    assert parse_weeks("10:00~12:00\n(매주 목요일)") == []
    hours = {"thu": [["10:00", "12:00"]], "weeks": {"thu": [2, 4]}}
    second_thursday = datetime(2026, 12, 10, 11, 0, tzinfo=SEOUL)
    first_thursday = datetime(2026, 12, 3, 11, 0, tzinfo=SEOUL)
    assert (is_open(hours, second_thursday), is_open(hours, first_thursday)) == (True, False)


def _row(key: str, name: str, *, days: list[str], items: str, intro: str = "", keywords: str = "",
         notes: str = "") -> list[str]:  # fmt: skip
    return [key, name, "전주", "", "전주시 완산구 1", "", "35.82", "127.14", intro, *days, "063-000-0000",
            "063-000-0001", keywords, items, notes]  # fmt: skip


def _import(context: AppContext, tmp_path: Path, rows: list[list[str]]) -> dict[str, CollectionPoint]:
    path = tmp_path / "keco.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    report = import_points(path, fmt=FORMATS["keco"], session_factory=context.session_factory)
    assert report.committed
    with context.session_factory() as session:
        return {p.name: p for p in session.scalars(select(CollectionPoint))}, report  # type: ignore[return-value]


def test_generated_rows(any_context: AppContext, tmp_path: Path) -> None:
    weekly = "10:00~12:00\n14:00~16:00\n(2, 4주)"
    rows = [
        _row("1", "무인회수기", days=["상시"] * 7, items="투명패트병\n캔",
             intro="라벨이 제거된 투명페트병을 넣으면 현금(1개당=10원)으로 전환할 포인트를 드립니다."),
        _row("2", "끝난 가게", days=["계약종료"] * 5 + ["휴무"] * 2, items="투명패트병"),
        _row("3", "격주 가게", days=["휴무", "휴무", "휴무", weekly, "휴무", "휴무", "휴무"],
             items="(폐건전지 교환) 폐건전지 20개<->새건전지 2개\n투명페트명",
             notes="품목 및 단가 변경 가능\n누적2,000포인트이상 교환신청가능"),
        _row("4", "목록 없는 가게", days=["09:00~18:00"] * 5 + ["휴무"] * 2, items="",
             keywords=" 자원순환가게, 고품질 재활용품 유가보상제, 재활용, 분리배출, 투명페트병, 캔"),
    ]  # fmt: skip
    found, report = _import(any_context, tmp_path, rows)  # type: ignore[misc]
    assert set(found) == {"무인회수기", "격주 가게", "목록 없는 가게"}
    assert [s.reason for s in report.skipped] == [
        "the site is marked 계약종료 (contract ended): not imported"
    ]
    machine = found["무인회수기"]
    assert machine.categories == ["metal", "pet_clear"]
    assert machine.opening_hours == {
        d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }
    assert machine.detail is not None and "1개당=10원" in machine.detail
    biweekly = found["격주 가게"]
    assert biweekly.categories == ["battery", "pet_clear"]
    assert biweekly.opening_hours is not None and biweekly.opening_hours["weeks"] == {"thu": [2, 4]}
    assert biweekly.opening_hours["thu"] == [["10:00", "12:00"], ["14:00", "16:00"]]
    assert biweekly.detail is not None
    assert (
        "폐건전지 20개<->새건전지 2개" in biweekly.detail
        and "누적2,000포인트이상 교환신청가능" in biweekly.detail
    )
    assert found["목록 없는 가게"].categories == ["metal", "pet_clear"]


@pytest.mark.skipif(not REAL_FILE.exists(), reason="the shared KECO file is not beside the repository")
def test_the_real_keco_file(any_context: AppContext) -> None:
    report = import_points(REAL_FILE, fmt=FORMATS["keco"], session_factory=any_context.session_factory)
    with any_context.session_factory() as session:
        points = list(session.scalars(select(CollectionPoint)))
    jeonju = [
        p for p in points if "전주시" in f"{p.road_address} {p.lot_address}" or p.name.startswith("전주")
    ]
    cans_only = [p for p in points if p.categories == ["metal"]]
    ended = [s for s in report.skipped if "계약종료" in s.reason]
    assert (report.rows, len(points), len(ended)) == (409, 409 - len(report.skipped), 2)
    assert len(jeonju) == 36 and all("pet_clear" in p.categories for p in jeonju)
    # the only metal-only sites are the ones whose item list names aluminium cans alone
    assert len(cans_only) == 7
    always = [p for p in points if p.opening_hours and p.opening_hours.get("sun") == [["00:00", "24:00"]]]
    assert len(always) >= 20
    assert sum(1 for p in points if p.opening_hours and "weeks" in p.opening_hours) == 8
    assert sum(1 for p in points if p.detail and "원)" in p.detail) >= 3
