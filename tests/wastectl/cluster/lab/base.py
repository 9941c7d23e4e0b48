"""The lab nodes' shared base system: Debian bookworm minbase, built once into a cache folder.

`python -m tests.wastectl.cluster.lab.base` builds it (CI calls that from .ci/run); the harness
calls `ensure_base()`. The cache holds a debootstrapped root whose apt points only at a local
file repository of the .debs the roles install (downloaded once from Debian's mirror), so a
bootstrap run on the lab needs no network. Nothing outside the cache folder is touched.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.wastectl.cluster.lab import aptrepo

CACHE = Path(os.environ.get("WASTECTL_LAB_CACHE", "/var/cache/wastectl-lab"))
MIRROR = os.environ.get("WASTECTL_LAB_MIRROR", "http://deb.debian.org/debian")
INCLUDE = "openssh-server,python3,python3-apt,python3-debian,python3-yaml,procps,iproute2,ca-certificates"
#: What the roles install from the distribution (the Kubernetes packages come from stand-ins).
ROLE_PACKAGES = ("chrony", "containerd", "etcd-client")
VERSION = "1"  # bump to rebuild every cache
MARKER = ".wastectl-lab-base"


def _in_root(root: Path, script: str) -> None:
    """Run `script` chrooted in `root`, with /proc mounted in a private mount namespace."""
    subprocess.run(
        [
            "unshare",
            "--mount",
            "--fork",
            "sh",
            "-c",
            'mount -t proc proc "$1/proc" && chroot "$1" sh -c "$2"',
            "lab",
            str(root),
            script,
        ],
        check=True,
    )


def ensure_base(cache: Path = CACHE) -> Path:
    root = cache / "base"
    if (root / MARKER).is_file() and (root / MARKER).read_text().strip() == VERSION:
        return root
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / MARKER).is_file() and (root / MARKER).read_text().strip() == VERSION:
            return root
        _build(cache, root)
    return root


def _build(cache: Path, root: Path) -> None:
    tmp = cache / "base.tmp"
    if not (tmp / ".debootstrap-done").is_file():
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={INCLUDE}", "bookworm", str(tmp), MIRROR],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (tmp / ".debootstrap-done").touch()
    # Never start services while installing packages inside the root.
    policy = tmp / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    _in_root(
        tmp,
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --download-only "
        + " ".join(ROLE_PACKAGES),
    )
    repo = tmp / "srv/lab-debian"
    repo.mkdir(parents=True, exist_ok=True)
    for deb in (tmp / "var/cache/apt/archives").glob("*.deb"):
        shutil.move(str(deb), repo / deb.name)
    aptrepo.build(repo)
    for sources in (tmp / "etc/apt/sources.list", *(tmp / "etc/apt/sources.list.d").glob("*")):
        sources.unlink(missing_ok=True)
    (tmp / "etc/apt/sources.list.d/lab.list").write_text("deb [trusted=yes] file:/srv/lab-debian ./\n")
    shutil.rmtree(tmp / "var/lib/apt/lists", ignore_errors=True)
    (tmp / "var/lib/apt/lists/partial").mkdir(parents=True)
    _in_root(tmp, "apt-get update -qq")
    # Each node gets its own host keys; the base must not carry shared ones.
    for key in (tmp / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    (tmp / MARKER).write_text(VERSION + "\n")
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)


if __name__ == "__main__":
    print(ensure_base(Path(sys.argv[1]) if len(sys.argv) > 1 else CACHE))
