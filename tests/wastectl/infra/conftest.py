"""Infra fixtures: the real Terraform engine (tests/support/terraform.py) on a copy of tfdata."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.terraform import TerraformShim, copy_tfdata


@pytest.fixture
def env_dir(terraform_on_path: TerraformShim, tmp_path: Path) -> Path:
    """A fresh copy of the provider-free test environment, with the terraform shim on PATH."""
    return copy_tfdata(tmp_path / "env")
