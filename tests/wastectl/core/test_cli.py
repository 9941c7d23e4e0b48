"""CLI conventions every command shares: version, help, errors, exit codes, JSON envelope, logs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import REPO_ROOT, cli_env, free_port, run_cli
from wastectl import __version__

COLOR_SGR = re.compile(r"\x1b\[[0-9;]*(?:3[0-9]|9[0-7])(?:;[0-9]+)*m")
HEAVY = ["boto3", "kubernetes", "ansible_runner", "paramiko", "openai", "sqlalchemy", "celery"]


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["-V"], ["config", "--help"], ["dev", "--help"]])
def test_help_and_version_import_no_heavy_library(args: list[str]) -> None:
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['wastectl', *{args!r}]\n"
        "try:\n"
        "    runpy.run_module('wastectl', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy) + '\\n')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    heavy_line = [line for line in result.stderr.splitlines() if line.startswith("HEAVY=")]
    assert heavy_line == ["HEAVY="], result.stderr


def test_version_prints_the_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"wastectl {__version__}"


def test_help_lists_command_groups() -> None:
    result = run_cli("--help", env=cli_env(COLUMNS="120"))
    assert result.returncode == 0
    for group in ("dev", "config"):
        assert group in result.stdout
    assert "Exit codes" in result.stdout


def test_bad_configuration_is_one_clear_line_and_exit_2() -> None:
    result = run_cli("config", "show", env=cli_env(WASTE_DATABASE_URL="nonsense"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: invalid configuration: WASTE_DATABASE_URL")
    assert result.stdout == ""


def test_dev_with_bad_configuration_exits_2() -> None:
    result = run_cli("dev", env=cli_env(WASTE_BROKER_URL="http://not-amqp"))
    assert result.returncode == 2
    assert "WASTE_BROKER_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_command_is_a_usage_error() -> None:
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "No such command" in result.stderr


def test_config_show_json_envelope_masks_secrets() -> None:
    env = cli_env(
        WASTE_OPENAI_API_KEY="sk-super-secret",
        WASTE_JWT_SECRET="jwt-super-secret",
        WASTE_DATABASE_URL="postgresql://waste:db-password@db.internal:5432/waste",
    )
    result = run_cli("config", "show", "--output", "json", env=env)
    assert result.returncode == 0, result.stderr
    for secret in ("sk-super-secret", "jwt-super-secret", "db-password"):
        assert secret not in result.stdout
    body = json.loads(result.stdout)
    assert body["apiVersion"] == "wastectl/v1"
    assert body["command"] == "config show"
    assert body["ok"] is True
    assert body["errors"] == []
    assert body["data"]["profile"]["analyser"] == "openai"
    assert body["data"]["settings"]["openai_api_key"] == "**********"
    assert body["data"]["settings"]["database_url"] == "postgresql://waste:***@db.internal:5432/waste"


def test_no_color_is_respected() -> None:
    env = cli_env(NO_COLOR="1", FORCE_COLOR="1", TERM="xterm-256color", WASTE_DATABASE_URL="nonsense")
    result = run_cli("config", "show", env=env)
    assert not COLOR_SGR.search(result.stderr), repr(result.stderr)
    colored = run_cli("config", "show", env=cli_env(FORCE_COLOR="1", WASTE_DATABASE_URL="nonsense"))
    assert COLOR_SGR.search(colored.stderr), repr(colored.stderr)


def test_each_run_writes_a_log_file(tmp_path: Path) -> None:
    env = cli_env(XDG_STATE_HOME=str(tmp_path))
    result = run_cli("config", "show", env=env)
    assert result.returncode == 0, result.stderr
    logs = list((tmp_path / "wastectl" / "logs").glob("*-config.log"))
    assert len(logs) == 1
    assert "wastectl config: config show" in logs[0].read_text()


def test_unusable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    env = cli_env(WASTE_DATA_DIR=str(blocker / "sub"), XDG_STATE_HOME=str(tmp_path / "state"))
    result = run_cli("dev", "--port", str(free_port()), env=env, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"error: cannot create the data directory {blocker / 'sub'}: Not a directory" in result.stderr


def test_shell_completion_is_available() -> None:
    result = run_cli(
        "--show-completion", "bash", env=cli_env(_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    )
    assert result.returncode == 0
    assert "_WASTECTL_COMPLETE" in result.stdout


def test_interrupted_exit_code_constant() -> None:
    from wastectl.exitcodes import ExitCode

    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 130]
    assert os.EX_USAGE != ExitCode.USAGE  # we follow Click/httpie (2), not sysexits (64)


def test_json_output_gets_an_envelope_even_on_failure() -> None:
    result = run_cli("config", "show", "-o", "json", env=cli_env(WASTE_REDIS_URL="http://nope"))
    assert result.returncode == 2
    body = json.loads(result.stdout)
    assert body["ok"] is False
    assert body["command"] == "config show"
    assert body["data"] is None
    assert body["errors"][0]["message"].startswith("invalid configuration: WASTE_REDIS_URL")
