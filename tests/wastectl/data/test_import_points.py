"""`wastectl data import-points` on generated datasets: every format, encodings, idempotency, bad files."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.context import AppContext
from api.locations.models import CollectionPoint
from api.settings import Settings
from tests.conftest import clear_tables
from tests.wastectl.data import csvs


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def wastectl(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    from wastectl.app import main

    def run(*args: str) -> Run:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        captured = capsys.readouterr()
        return Run(int(exited.value.code or 0), captured.out, captured.err)

    return run


@pytest.fixture(params=["sqlite", "postgresql"])
def db(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Settings]
) -> Iterator[AppContext]:
    """Points the CLI (via WASTE_* variables) and the returned context at the same database."""
    if request.param == "postgresql":
        url = request.getfixturevalue("migrated_postgres_url")
        monkeypatch.setenv("WASTE_DATABASE_URL", url)
        settings = make_settings(database_url=url)
    else:
        from api import migrate

        settings = make_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        migrate.upgrade(settings.resolved_database_url)
    monkeypatch.setenv("WASTE_DATA_DIR", str(settings.data_dir))
    context = AppContext.from_settings(settings)
    yield context
    clear_tables(context)
    context.close()


def points(context: AppContext) -> dict[str, CollectionPoint]:
    with context.session_factory() as session:
        return {p.name: p for p in session.scalars(select(CollectionPoint))}


FORMATS = [
    ("clothing", csvs.CLOTHING_HEADER, csvs.clothing_rows, "cp949"),
    ("battery-lamp", csvs.BATTERY_HEADER, csvs.battery_rows, "utf-8-sig"),
    ("medicine", csvs.MEDICINE_HEADER, csvs.medicine_rows, "euc-kr"),
    ("trash-can", csvs.TRASH_HEADER, csvs.trash_rows, "utf-8"),
    ("recycling-centre", csvs.CENTRE_HEADER, csvs.centre_rows, "cp949"),
    ("keco", csvs.KECO_HEADER, csvs.keco_rows, "utf-8"),
    ("generic", csvs.GENERIC_HEADER, csvs.generic_rows, "utf-8"),
]


@pytest.mark.parametrize("case", FORMATS, ids=[f[0] for f in FORMATS])
def test_every_format_imports_and_is_idempotent(
    wastectl: Callable[..., Run], db: AppContext, tmp_path: Path, case: tuple[Any, ...]
) -> None:
    fmt, header, rows, encoding = case
    path = csvs.write(tmp_path / f"{fmt}.csv", header, rows(), encoding)
    first = wastectl("data", "import-points", str(path), "--format", fmt, "-o", "json")
    assert first.code == 0, first.out + first.err
    data = first.json["data"]
    assert data["imported"] == len(rows()) and data["skipped"] == [] and data["committed"] is True
    assert data["encoding"] == ("cp949" if encoding in ("cp949", "euc-kr") else encoding)
    again = wastectl("data", "import-points", str(path), "--format", fmt, "-o", "json")
    assert again.code == 0
    assert (again.json["data"]["imported"], again.json["data"]["updated"]) == (0, 0)
    assert again.json["data"]["unchanged"] == len(rows())
    assert len(points(db)) == len(rows())


def test_fields_are_normalised(wastectl: Callable[..., Run], db: AppContext, tmp_path: Path) -> None:
    for fmt, header, rows, encoding in FORMATS:
        path = csvs.write(tmp_path / f"{fmt}.csv", header, rows(), encoding)
        assert wastectl("data", "import-points", str(path), "-f", fmt).code == 0
    found = points(db)
    clothing = found["중구청 앞"]
    assert clothing.type == "clothing_bin" and clothing.categories == ["textile"]
    assert clothing.source == "data.go.kr:clothing-bins" and clothing.source_key.endswith(":C-001")
    assert (
        str(clothing.source_date) == "2025-06-30" and clothing.road_address == "서울특별시 중구 창경궁로 17"
    )
    assert found["해운대구청"].categories == ["battery", "lamp"] and found[
        "우동 행정복지센터"
    ].categories == ["battery"]
    assert found["온누리약국"].type == "medicine_bin" and found["온누리약국"].detail == "계산대 옆"
    assert (
        found["광화문역 2번 출구"].type == "street_recycling_bin"
        and "general" in found["광화문역 2번 출구"].categories
    )
    assert found["종각역 버스정류장"].type == "street_general_bin" and found[
        "종각역 버스정류장"
    ].categories == ["general"]
    centre = found["강남 재활용센터"]
    assert centre.opening_hours is not None and centre.opening_hours["mon"] == [["09:00", "18:00"]]
    assert centre.opening_hours["sun"] == [] and {"bulky", "electronics"} <= set(centre.categories)
    shop = found["테스트 자원순환가게"]
    assert shop.type == "compensation_shop" and shop.detail == "복지회관 우측 천막"
    assert shop.opening_hours == {d: ([["11:00", "14:00"]] if d == "tue" else []) for d in
                                  ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}  # fmt: skip
    assert set(shop.categories) == {"pet_clear", "metal", "carton"} and shop.phone == "031-000-0001"
    assert found["두번째 가게"].categories == ["paper", "plastic"]
    generic = found["동네 약국"]
    assert generic.opening_hours is not None and generic.opening_hours["sat"] == [["09:00", "13:00"]]
    assert generic.source_key == "g-1" and found["공원 수거함"].source_key.startswith("h:")


def test_changed_rows_are_updated(wastectl: Callable[..., Run], db: AppContext, tmp_path: Path) -> None:
    rows = csvs.generic_rows()
    path = csvs.write(tmp_path / "g.csv", csvs.GENERIC_HEADER, rows)
    assert wastectl("data", "import-points", str(path), "-f", "generic").code == 0
    rows[0][1] = "이름이 바뀐 약국"
    csvs.write(path, csvs.GENERIC_HEADER, rows)
    second = wastectl("data", "import-points", str(path), "-f", "generic", "-o", "json").json["data"]
    assert (second["imported"], second["updated"], second["unchanged"]) == (0, 1, 1)
    assert "이름이 바뀐 약국" in points(db) and "동네 약국" not in points(db)


BAD_ROWS = [
    ["b1", "바다 위", "other", "5.15", "126.93", "", "", "", "", "", "", ""],
    ["b2", "뒤바뀐 좌표", "other", "127.0", "37.5", "", "", "", "", "", "", ""],
    ["b3", "숫자 아님", "other", "37.45?", "126.64", "", "", "", "", "", "", ""],
    ["b4", "", "other", "37.5", "127.0", "", "", "", "", "", "", ""],
    ["b5", "열 부족", "other", "37.5"],
    ["b6", "모르는 종류", "volcano", "37.5", "127.0", "", "", "", "", "", "", ""],
    ["b7", "모르는 분류", "other", "37.5", "127.0", "", "", "", "plutonium", "", "", ""],
    ["b8", "시간 오류", "other", "37.5", "127.0", "", "", "", "", "", "someday 9-5", ""],
    ["g-1", "중복 키", "other", "37.5", "127.0", "", "", "", "", "", "", ""],
]
BAD_REASONS = [
    "outside Korea", "look swapped", "not a number", "name is empty", "expected 12 columns, found 4",
    "unknown type 'volcano'", "unknown category plutonium", "unknown day(s) 'someday'",
    "duplicate source key 'g-1'",
]  # fmt: skip


def test_broken_rows_are_skipped_with_reasons(
    wastectl: Callable[..., Run], db: AppContext, tmp_path: Path
) -> None:
    path = csvs.write(tmp_path / "g.csv", csvs.GENERIC_HEADER, csvs.generic_rows() + BAD_ROWS)
    run = wastectl("data", "import-points", str(path), "-f", "generic", "-o", "json")
    assert run.code == 3, run.out + run.err
    data = run.json["data"]
    assert (
        data["imported"] == 2 and data["skipped_count"] == len(BAD_ROWS) and data["rows"] == 2 + len(BAD_ROWS)
    )
    for skipped, reason in zip(data["skipped"], BAD_REASONS, strict=True):
        assert reason in skipped["reason"], skipped
    assert [s["line"] for s in data["skipped"]] == list(range(4, 4 + len(BAD_ROWS)))
    assert set(points(db)) == {"동네 약국", "공원 수거함"}
    table = wastectl("data", "import-points", str(path), "-f", "generic", "--show-skipped", "2")
    assert table.code == 3 and "outside Korea" in table.out and "not a number" not in table.out
    assert "and 7 more" in table.err


def test_strict_imports_nothing_when_a_row_is_bad(
    wastectl: Callable[..., Run], db: AppContext, tmp_path: Path
) -> None:
    path = csvs.write(tmp_path / "g.csv", csvs.GENERIC_HEADER, csvs.generic_rows() + BAD_ROWS[:1])
    run = wastectl("data", "import-points", str(path), "-f", "generic", "--strict", "-o", "json")
    assert run.code == 2
    assert (
        run.json["ok"] is False
        and run.json["data"]["committed"] is False
        and run.json["data"]["imported"] == 0
    )
    error = run.json["errors"][0]  # the one errors[] shape (issue 17): the row is the target
    assert (
        "outside Korea" in error["message"]
        and error["target"].startswith("line ")
        and error["code"] == "SkippedRow"
    )
    assert points(db) == {}
    ok = csvs.write(tmp_path / "ok.csv", csvs.GENERIC_HEADER, csvs.generic_rows())
    assert wastectl("data", "import-points", str(ok), "-f", "generic", "--strict").code == 0


def test_wrong_header_names_the_missing_columns(
    wastectl: Callable[..., Run], db: AppContext, tmp_path: Path
) -> None:
    path = csvs.write(tmp_path / "clothing.csv", csvs.CLOTHING_HEADER, csvs.clothing_rows(), "cp949")
    run = wastectl("data", "import-points", str(path), "-f", "keco")
    assert run.code == 2
    assert (
        "wrong header for format 'keco'" in run.err and "positnPstnLat" in run.err and "설치장소명" in run.err
    )
    assert points(db) == {}


def test_undetectable_encoding_is_a_file_error(
    wastectl: Callable[..., Run], db: AppContext, tmp_path: Path
) -> None:
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(csvs.csv_text(csvs.GENERIC_HEADER, csvs.generic_rows()).encode("utf-16"))
    run = wastectl("data", "import-points", str(utf16), "-f", "generic", "-o", "json")
    assert run.code == 2 and "UTF-16" in run.json["errors"][0]["message"]
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"name,type,lat,lng\n\xff\xfe\xfd,other,37.5,127.0\n")
    run = wastectl("data", "import-points", str(garbage), "-f", "generic")
    assert run.code == 2 and "neither UTF-8 nor EUC-KR/CP949" in run.err
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert wastectl("data", "import-points", str(empty), "-f", "generic").code == 2
    xlsx = tmp_path / "sheet.csv"
    xlsx.write_bytes(b"PK\x03\x04rest-of-a-zip")
    run = wastectl("data", "import-points", str(xlsx), "-f", "generic")
    assert run.code == 2 and "XLSX" in run.err
    assert points(db) == {}


def test_undecodable_line_skips_only_that_row(
    wastectl: Callable[..., Run], db: AppContext, tmp_path: Path
) -> None:
    good = csvs.csv_text(csvs.GENERIC_HEADER, csvs.generic_rows()).encode("cp949")
    path = tmp_path / "mixed.csv"
    path.write_bytes(good + b"x1,\xff\xff bad,other,37.5,127.0,,,,,,,\r\n")
    run = wastectl("data", "import-points", str(path), "-f", "generic", "--encoding", "cp949", "-o", "json")
    assert run.code == 3
    assert run.json["data"]["imported"] == 2
    assert run.json["data"]["skipped"] == [{"line": 4, "reason": "bytes that are not valid cp949 text"}]


def test_bad_command_lines_exit_2(wastectl: Callable[..., Run], db: AppContext, tmp_path: Path) -> None:
    path = csvs.write(tmp_path / "g.csv", csvs.GENERIC_HEADER, csvs.generic_rows())
    assert wastectl("data", "import-points", str(tmp_path / "missing.csv"), "-f", "generic").code == 2
    assert wastectl("data", "import-points", str(path), "-f", "shapefile").code == 2
    assert wastectl("data", "import-points", str(path)).code == 2
    run = wastectl("data", "import-points", str(path), "-f", "generic", "--encoding", "klingon")
    assert run.code == 2 and "unknown encoding" in run.err
    assert wastectl("data", "import-points", str(path), "-f", "generic", "--source", " ").code == 2


def test_unreachable_database_is_one_clear_error(
    wastectl: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = csvs.write(tmp_path / "g.csv", csvs.GENERIC_HEADER, csvs.generic_rows())
    monkeypatch.setenv("WASTE_DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:9/none")
    run = wastectl("data", "import-points", str(path), "-f", "generic")
    assert run.code == 1 and "cannot migrate the database" in run.err
    assert "secret" not in run.err and "Traceback" not in run.err


def test_thousands_of_rows_import_in_batches(
    wastectl: Callable[..., Run], db: AppContext, tmp_path: Path
) -> None:
    """Past 4 batches the importer refreshes PostgreSQL statistics inside its transaction."""
    blank = [""] * 7
    # scattered, not on one line: cube's GiST splits degenerate for thousands of collinear points
    rng = random.Random(4)
    rows = [
        [
            f"k{i}",
            f"point {i}",
            "clothing_bin",
            f"{rng.uniform(35, 37.5):.6f}",
            f"{rng.uniform(126.5, 129):.6f}",
            *blank,
        ]
        for i in range(2_100)
    ]
    path = csvs.write(tmp_path / "many.csv", csvs.GENERIC_HEADER, rows)
    first = wastectl("data", "import-points", str(path), "-f", "generic", "-o", "json")
    assert first.code == 0 and first.json["data"]["imported"] == 2_100
    rows[2_050][1] = "renamed"
    csvs.write(path, csvs.GENERIC_HEADER, rows)
    second = wastectl("data", "import-points", str(path), "-f", "generic", "-o", "json").json["data"]
    assert (second["imported"], second["updated"], second["unchanged"]) == (0, 1, 2_099)
    assert len(points(db)) == 2_100


def test_broken_csv_quoting_is_named_and_the_rows_before_it_are_kept(
    wastectl: Callable[..., Run], db: AppContext, tmp_path: Path
) -> None:
    header = "source_key,name,type,lat,lng\r\n"
    good = "k1,좋은 행,other,37.5,127.0\r\n"
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_text(header + good + 'k2,"열린 따옴표,other,37.5,127.0\r\nk3,c,other,37.6,127.0\r\n')
    run = wastectl("data", "import-points", str(unclosed), "-f", "generic", "-o", "json")
    assert run.code == 3, run.out + run.err
    assert run.json["data"]["imported"] == 1
    (skipped,) = run.json["data"]["skipped"]
    assert skipped["line"] == 3 and "lines 3-4: a quote not closed?" in skipped["reason"]
    huge = tmp_path / "huge.csv"
    huge.write_text(header + good + 'k2,"' + "x" * 200_000 + "\r\n")
    run = wastectl("data", "import-points", str(huge), "-f", "generic", "-o", "json")
    assert run.code == 3 and run.json["data"]["unchanged"] == 1
    assert run.json["data"]["skipped"][0]["reason"].startswith("broken CSV: field larger than")
    strict = wastectl("data", "import-points", str(huge), "-f", "generic", "--strict", "--source", "s")
    assert strict.code == 2 and "broken CSV" in strict.out
    assert set(points(db)) == {"좋은 행"}


def test_cp949_after_a_long_ascii_start_is_detected(
    wastectl: Callable[..., Run], db: AppContext, tmp_path: Path
) -> None:
    """The first 64 KiB are ASCII only (English header, romanised names): later rows decide."""
    rng = random.Random(7)  # scattered: collinear points slow cube's GiST down (docs/locations.md)
    ascii_rows = [
        [
            f"a{i}",
            f"bin {i} {'x' * 60}",
            "other",
            f"{rng.uniform(35, 37.5):.6f}",
            f"{rng.uniform(126.5, 129):.6f}",
        ]
        for i in range(900)
    ]
    korean = [["k1", "역삼동 의류수거함", "clothing_bin", "37.5", "127.3"]]
    path = csvs.write(tmp_path / "late.csv", ["source_key", "name", "type", "lat", "lng"],
                      ascii_rows + korean, "cp949")  # fmt: skip
    assert path.stat().st_size > 64 * 1024
    run = wastectl("data", "import-points", str(path), "-f", "generic", "-o", "json")
    assert run.code == 0, run.out[-500:] + run.err
    assert run.json["data"]["encoding"] == "cp949" and run.json["data"]["imported"] == 901
    assert "역삼동 의류수거함" in points(db)
