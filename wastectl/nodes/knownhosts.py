"""The per-cluster known_hosts file wastectl manages: `$XDG_STATE_HOME/wastectl/known_hosts/<cluster>`.

Separate from ~/.ssh/known_hosts on purpose: rebuilding the cluster re-uses addresses with new host
keys, and `wastectl known-hosts forget NODE` must only ever touch this cluster's entries.
"""

from __future__ import annotations

import fcntl
import re
import threading
from pathlib import Path

from wastectl.paths import state_dir

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
_LOCK = threading.Lock()


def known_hosts_path(cluster: str) -> Path:
    return state_dir() / "known_hosts" / (_SAFE.sub("_", cluster) or "default")


def host_entry(host: str, port: int) -> str:
    """The name OpenSSH and paramiko use in known_hosts: `host`, or `[host]:port` off port 22."""
    return host if port == 22 else f"[{host}]:{port}"


def append(path: Path, line: str) -> None:
    """Add one `name keytype base64` line; safe against parallel connects in threads and processes."""
    with _LOCK:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(line.rstrip("\n") + "\n")
            fcntl.flock(handle, fcntl.LOCK_UN)
        path.chmod(0o600)


def forget(path: Path, names: set[str]) -> int:
    """Drop every line whose host field matches one of `names`; returns how many were removed."""
    if not path.is_file():
        return 0
    with _LOCK:
        kept: list[str] = []
        removed = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            hosts = line.split(" ", 1)[0].split(",") if line.strip() and not line.startswith("#") else []
            if names.intersection(hosts):
                removed += 1
            else:
                kept.append(line)
        path.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    return removed


def entries(path: Path) -> list[tuple[str, str, str]]:
    """(host, key type, SHA256 fingerprint) for `known-hosts list`."""
    import base64
    import hashlib

    out: list[tuple[str, str, str]] = []
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) < 3 or line.startswith("#"):
            continue
        try:
            digest = hashlib.sha256(base64.b64decode(parts[2])).digest()
        except ValueError:
            continue
        out.append((parts[0], parts[1], "SHA256:" + base64.b64encode(digest).decode().rstrip("=")))
    return out
