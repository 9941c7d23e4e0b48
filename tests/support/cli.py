"""Run wastectl as users do: a real subprocess of this interpreter, in this checkout."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WASTE_") or k.startswith("WASTE_TEST_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.update(extra)
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wastectl", *args],
        cwd=kwargs.pop("cwd", REPO_ROOT), env=env or cli_env(), capture_output=True, text=True,
        timeout=timeout, check=False, **kwargs,
    )  # fmt: skip


def free_port(address: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on at `address` right now (the one helper the tests share)."""
    with socket.socket() as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def command_paths() -> list[str]:
    """Every runnable `wastectl` command: the leaves, plus groups that run on their own (`deploy`)."""
    import typer

    from wastectl.app import app

    found: list[str] = []

    def walk(command: object, path: list[str]) -> None:
        subs = getattr(command, "commands", None)
        if path and (not subs or getattr(command, "invoke_without_command", False)):
            found.append(" ".join(path))
        for name, sub in (subs or {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found
