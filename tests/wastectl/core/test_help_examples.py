"""Every command's --help ends with examples an operator can paste (issue 16: help with examples)."""

from __future__ import annotations

import pytest

from tests.support.cli import command_paths, run_cli


@pytest.mark.parametrize("command", command_paths())
def test_help_has_examples(command: str) -> None:
    done = run_cli(*command.split(), "--help", env=None)
    assert done.returncode == 0, done.stderr
    assert "Example" in done.stdout, f"wastectl {command} --help has no examples"
    assert f"wastectl {command}" in done.stdout.replace("\n", " "), done.stdout
