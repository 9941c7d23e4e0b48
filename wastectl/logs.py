"""A log file per run under the XDG state dir; old ones are pruned.

Logs are private: the directory is 0700, every file 0600, and every record passes through
`wastectl.redact` (passwords in URLs, tokens, `--set` secrets) before it is written.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from datetime import datetime
from pathlib import Path

from wastectl.paths import log_dir
from wastectl.redact import redact, redact_argv

KEEP_LOG_FILES = 30
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_run_log(command: str, *, debug: bool = False) -> Path | None:
    """Start this run's log file and return its path (None if the directory is not writable)."""
    directory = log_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        directory.chmod(0o700)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = directory / f"{stamp}-{os.getpid()}-{command or 'wastectl'}.log"
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))  # never world-readable
        path.chmod(0o600)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(RedactingFormatter(_FORMAT))
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    handler.setLevel(logging.DEBUG)
    root.addHandler(handler)
    if debug:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(RedactingFormatter(_FORMAT))
        console.setLevel(logging.DEBUG)
        root.addHandler(console)
    for noisy in ("botocore", "urllib3", "paramiko.transport", "asyncio", "httpcore", "httpx"):
        logging.getLogger(noisy).setLevel(logging.INFO)
    logging.getLogger("wastectl").info("wastectl %s: %s", command, redact_argv(sys.argv[1:]))
    _prune(directory)
    return path


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then masks secrets in the whole line (message, arguments and traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _prune(directory: Path) -> None:
    logs = sorted(directory.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in logs[KEEP_LOG_FILES:]:
        with contextlib.suppress(OSError):
            old.unlink()
