"""The importer streams: memory stays far below the file size, progress is reported as it goes."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from pathlib import Path

from api.locations.importer import FORMATS
from api.locations.importer.encoding import DecodedLines
from api.locations.importer.engine import ImportReport, _records
from wastectl.commands.data import PointFormat


def test_reading_a_large_file_does_not_load_it(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    padding = "가" * 400  # wide rows make a ~25 MB file from 20k rows
    with path.open("w", encoding="cp949", newline="") as out:
        out.write("source_key,name,type,lat,lng,detail\r\n")
        for i in range(20_000):
            out.write(f"k{i},point {i},street_recycling_bin,{37 + i / 100_000},127.0,{padding}\r\n")
    size = path.stat().st_size
    progress: list[int] = []
    report = ImportReport(format="generic", source="t", encoding="cp949")
    tracemalloc.start()
    with path.open("rb") as binary:
        count = sum(
            1 for _ in _records(FORMATS["generic"], DecodedLines(binary, "cp949"), report, progress.append)
        )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 20_000 and report.skipped == []
    assert progress == [10_000, 20_000]
    assert peak < size / 5, f"peak {peak} bytes for a {size} byte file"


def test_format_choices_match_the_engine() -> None:
    assert {f.value for f in PointFormat} == set(FORMATS)


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from wastectl.app import main\n"
        "try:\n    main(['data', 'import-points', '--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('sqlalchemy', 'api.locations.importer', 'httpx') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, env={"PYTHONPATH": str(root)},
        timeout=60, check=False,
    )  # fmt: skip
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr
    assert "--format" in result.stdout
