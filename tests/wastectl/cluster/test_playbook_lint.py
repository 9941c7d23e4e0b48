"""site.yml parses and is ansible-lint clean at the production profile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from wastectl.cluster.inventory import ansible_dir

BIN = Path(sys.executable).parent


def _env(tmp_path: Path) -> dict[str, str]:
    import os

    return {
        **os.environ,
        "ANSIBLE_HOME": str(tmp_path / "ansible_home"),
        "PATH": f"{BIN}:{os.environ['PATH']}",
    }


def test_syntax_check(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[control_plane]\nmaster node_private_ip=10.0.1.10\n[workers]\nworker-1\n")
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "--syntax-check", "-i", str(inventory), "site.yml"],
        cwd=ansible_dir(), env=_env(tmp_path), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "playbook: site.yml" in done.stdout


def test_ansible_lint_production(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(BIN / "ansible-lint"), "--offline", "--profile", "production", "--nocolor", "site.yml"],
        cwd=ansible_dir(), env=_env(tmp_path), capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Profile 'production' was required, and it passed" in done.stdout + done.stderr


def test_every_role_is_in_site_yml() -> None:
    import yaml

    plays = yaml.safe_load((ansible_dir() / "site.yml").read_text())
    used = {r["role"] for play in plays for r in play.get("roles", [])}
    present = {p.name for p in (ansible_dir() / "roles").iterdir() if p.is_dir()}
    assert used == present
    assert {
        "common",
        "containerd",
        "kubernetes",
        "control_plane",
        "workers",
        "cni",
        "addons",
        "data",
        "etcd_backup",
    } <= used
