"""XDG locations for wastectl's own files (logs, known_hosts, caches)."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """`$XDG_STATE_HOME/wastectl` (default `~/.local/state/wastectl`): logs and known_hosts."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "wastectl"


def log_dir() -> Path:
    return state_dir() / "logs"
