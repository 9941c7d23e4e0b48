"""Fleet commands keep `--help` fast: paramiko, boto3 and kubernetes load only when used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.wastectl.fleet.harness import cli_env

REPO = Path(__file__).resolve().parents[3]


def test_help_of_fleet_commands_imports_nothing_heavy() -> None:
    code = (
        "import sys\nfrom wastectl.app import main\n"
        "for argv in (['--help'], ['nodes', '--help'], ['ssh', '--help'], ['exec', '--help'], "
        "['health', '--help'], ['reset', '--help'], ['known-hosts', 'forget', '--help']):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "heavy = [m for m in ('paramiko', 'boto3', 'botocore', 'kubernetes', 'moto') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=cli_env(REPO),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "HEAVY []" in done.stderr, done.stderr[-2000:]
