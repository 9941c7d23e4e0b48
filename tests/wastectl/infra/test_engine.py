"""Terraform's real engine on the repository's configuration: fmt always; validate when a local
provider mirror exists (providers cannot be downloaded here)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.terraform import TerraformShim
from tests.wastectl.infra.hcl import TERRAFORM

TFDATA = Path(__file__).parent / "tfdata"
#: A filesystem mirror holding registry.terraform.io/hashicorp/aws (some machines have one).
PLUGIN_DIR = Path(os.environ.get("WASTE_TEST_TF_PLUGIN_DIR", "/opt/tf-plugins"))


def terraform(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["terraform", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_shim_is_terraform_1_15(terraform_on_path: TerraformShim) -> None:
    assert shutil.which("terraform") == str(terraform_on_path.binary)
    result = terraform("version", "-json", cwd=TERRAFORM)
    assert result.returncode == 0, result.stderr
    assert '"terraform_version": "1.15.5"' in result.stdout


def test_fmt_check_is_clean(terraform_on_path: TerraformShim) -> None:
    result = terraform("fmt", "-check", "-recursive", "-diff", str(TERRAFORM), str(TFDATA), cwd=TERRAFORM)
    assert result.returncode == 0, f"terraform fmt would change:\n{result.stdout}{result.stderr}"


def test_fmt_check_catches_a_misformatted_file(terraform_on_path: TerraformShim, tmp_path: Path) -> None:
    (tmp_path / "bad.tf").write_text('variable "x" {\ntype=string\n}\n')
    result = terraform("fmt", "-check", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 3
    assert "bad.tf" in result.stdout


@pytest.mark.parametrize("root", ["envs/prod", "bootstrap"])
def test_validate_with_a_local_provider_mirror(
    terraform_on_path: TerraformShim, tmp_path: Path, root: str
) -> None:
    if not (PLUGIN_DIR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(f"no hashicorp/aws provider mirror at {PLUGIN_DIR} (set WASTE_TEST_TF_PLUGIN_DIR)")
    tree = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, tree, ignore=shutil.ignore_patterns(".terraform*"))
    workdir = tree / root
    init = terraform(
        "init", "-backend=false", "-input=false", "-no-color", f"-plugin-dir={PLUGIN_DIR}", cwd=workdir
    )
    assert init.returncode == 0, init.stderr + init.stdout
    result = terraform("validate", "-no-color", cwd=workdir)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "The configuration is valid" in result.stdout
