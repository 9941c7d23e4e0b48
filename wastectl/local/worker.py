"""A real Celery worker subprocess for `wastectl dev` when a broker is configured.

The worker gets SIGTERM if wastectl itself dies (PR_SET_PDEATHSIG), so no orphan is left behind
even on `kill -9`; on a normal stop it gets a warm shutdown, then SIGKILL after a timeout.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not Linux/glibc: fall back to the normal stop path only
        pass
    # Own process group: Ctrl-C in the terminal reaches wastectl, which then stops the worker in order.
    os.setpgrp()


class WorkerProcess:
    """One `celery worker` subprocess in its own process group.

    `wastectl dev` runs it with this process's environment and ties it to its own life
    (`die_with_parent`); the test harness passes the settings as `env` and keeps it independent
    of the spawning thread (PR_SET_PDEATHSIG fires when that *thread* exits).
    """

    def __init__(
        self,
        *,
        queues: list[str],
        concurrency: int,
        log_path: Path,
        name: str = "dev@%h",
        pool: str = "threads",
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        die_with_parent: bool = True,
    ) -> None:
        self.queues = queues
        self.concurrency = concurrency
        self.log_path = log_path
        self.name = name if "@" in name else f"{name}@%h"
        self.pool = pool
        self.env = env
        self.cwd = cwd
        self.die_with_parent = die_with_parent
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "celery", "-A", "workers.main", "worker",
            "--loglevel=INFO", f"--pool={self.pool}", f"--concurrency={self.concurrency}",
            "-Q", ",".join(self.queues), "-n", self.name, "--without-gossip", "--without-mingle",
        ]  # fmt: skip

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = self.log_path.open("ab")
        env = os.environ.copy() if self.env is None else self.env
        if self.die_with_parent:
            self.process = subprocess.Popen(
                self.command(), stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent, env=env, cwd=self.cwd,  # noqa: PLW1509 - runs before any thread starts
            )  # fmt: skip
        else:
            self.process = subprocess.Popen(
                self.command(), stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, env=env, cwd=self.cwd,
            )  # fmt: skip
        log_file.close()
        log.info("celery worker started: pid %s, log %s", self.process.pid, self.log_path)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def exit_code(self) -> int | None:
        return self.process.poll() if self.process else None

    def stop(self, timeout: float = 15.0) -> None:
        """Warm shutdown (finish the running task), then kill the whole process group."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.warning("celery worker did not stop in %.0fs; killing it", timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        log.info("celery worker stopped with code %s", self.process.returncode)
