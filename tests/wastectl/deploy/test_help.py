"""`--help` of the deploy commands shows examples and loads neither the Helm engine nor a k8s client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.wastectl.fleet.harness import cli_env

REPO = Path(__file__).resolve().parents[3]


def test_help_imports_nothing_heavy_and_shows_examples() -> None:
    code = (
        "import sys\nfrom wastectl.app import main\n"
        "for argv in (['deploy', '--help'], ['deploy', 'history', '--help'], ['rollback', '--help'], "
        "['status', '--help'], ['logs', '--help']):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "heavy = [m for m in ('helm_python', 'kubernetes', 'httpx', 'celery', 'yaml') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    env = {**cli_env(REPO), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert "HEAVY []" in done.stderr, done.stderr[-2000:]
    for example in ("wastectl deploy --plan", "wastectl rollback 3 --wait -y", "wastectl status --watch",
                    "wastectl logs worker -f --grep"):  # fmt: skip
        assert example in done.stdout
