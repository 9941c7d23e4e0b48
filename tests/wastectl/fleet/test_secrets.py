"""No secret reaches stdout, stderr or the per-run log; logs are 0600 in a 0700 directory."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from tests.wastectl.fleet.harness import cli_env, free_port

REPO = Path(__file__).resolve().parents[3]
SECRETS = ("KnownPgPass1", "KnownRedisPass2", "KnownRabbitPass3")


def run_logged(
    tmp_path: Path, *argv: str, stdin: str = "", env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run wastectl as a process (its own argv is what gets logged); return it and all its logs."""
    state = tmp_path / "state"
    env = cli_env(REPO, XDG_STATE_HOME=str(state), XDG_CONFIG_HOME=str(tmp_path / "config"), **(env or {}))
    done = subprocess.run(
        [sys.executable, "-m", "wastectl", *argv],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    logs = sorted((state / "wastectl" / "logs").glob("*.log"))
    assert logs, done.stderr
    for log in logs:
        assert stat.S_IMODE(log.stat().st_mode) == 0o600, log
    assert stat.S_IMODE((state / "wastectl" / "logs").stat().st_mode) == 0o700
    return done, "\n".join(log.read_text(encoding="utf-8") for log in logs)


def assert_no_secret(done: subprocess.CompletedProcess[str], log: str, secrets: tuple[str, ...]) -> None:
    for secret in secrets:
        assert secret not in done.stdout, (secret, done.stdout)
        assert secret not in done.stderr, (secret, done.stderr)
        assert secret not in log, (secret, log)


def test_health_urls_with_passwords_are_masked_everywhere(tmp_path: Path) -> None:
    dead = free_port("127.0.0.1")
    done, log = run_logged(
        tmp_path,
        "--debug",
        "health",
        "--target",
        "local",
        "--api-url",
        f"http://127.0.0.1:{dead}",
        "--database-url",
        f"postgresql://waste:{SECRETS[0]}@127.0.0.1:{dead}/waste",
        "--redis-url",
        f"redis://:{SECRETS[1]}@127.0.0.1:{dead}/0",
        "--rabbitmq-api",
        f"http://guest:{SECRETS[2]}@127.0.0.1:{dead}",
        "-o",
        "json",
    )
    assert done.returncode == 1, done.stderr
    assert "--database-url postgresql://waste:***@127.0.0.1" in log  # the command line is logged, masked
    assert_no_secret(done, log, SECRETS)
