"""`python -m api.knowledge`: the deployment entry point that loads the data after migrating."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WASTE_")}
    return subprocess.run(
        [sys.executable, "-m", "api.knowledge", *args],
        cwd=REPO, env={**clean, "PYTHONPATH": str(REPO), **env},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.services
def test_loads_into_the_configured_database(migrated_postgres_url: str, tmp_path: Path) -> None:
    result = run(WASTE_DATABASE_URL=migrated_postgres_url, WASTE_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "knowledge base valid: 18 categories" in result.stdout
    assert "loaded: " in result.stdout


def test_unmigrated_database_is_a_clear_error(tmp_path: Path) -> None:
    result = run(WASTE_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}", WASTE_DATA_DIR=str(tmp_path))
    assert result.returncode == 1
    assert "cannot load into the database (migrated to 0004?)" in result.stderr
    assert "Traceback" not in result.stderr
