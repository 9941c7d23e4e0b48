"""Fixtures: a 4-node sshd fleet for the whole session, state reset before each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wastectl.fleet.harness import Fleet, start_fleet, stop_fleet


@pytest.fixture(scope="session")
def sshd_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    fleet = start_fleet(tmp_path_factory.mktemp("fleet"))
    yield fleet
    stop_fleet(fleet)


@pytest.fixture
def fleet(sshd_fleet: Fleet) -> Fleet:
    sshd_fleet.reset()
    return sshd_fleet


@pytest.fixture
def inventory(fleet: Fleet, tmp_path: Path) -> Path:
    return fleet.write_inventory(tmp_path / "inventory.yaml")


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps tables at 80 columns under capture; tests read whole cells."""
    monkeypatch.setenv("COLUMNS", "220")
