"""Lab fixtures: 4 real Debian nodes (lab/harness.py), fresh for each test module."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.terraform import terraform_on_path  # noqa: F401  (fixture)
from tests.wastectl.cluster.lab.harness import Lab, start_lab, stop_lab


def require_lab() -> None:
    missing = [
        tool for tool in ("debootstrap", "unshare", "ip", "gpg", "dpkg-deb", "ssh") if not shutil.which(tool)
    ]
    if os.geteuid() != 0:
        pytest.skip("lab nodes need root (namespaces, overlay mounts, veth)")
    if missing:
        pytest.skip(f"lab nodes need {', '.join(missing)} (.ci/run installs them)")
    if not Path("/usr/sbin/sshd").exists():
        pytest.skip("OpenSSH sshd is not installed")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_lab()
    started = start_lab(tmp_path_factory.mktemp("lab"))
    yield started
    stop_lab(started)


@pytest.fixture
def lab_files(lab: Lab, tmp_path: Path) -> tuple[Path, Path]:
    """(static inventory, extra vars file) for this lab."""
    return lab.write_inventory(tmp_path / "inventory.yaml"), lab.write_extra_vars(tmp_path / "lab-vars.yml")
