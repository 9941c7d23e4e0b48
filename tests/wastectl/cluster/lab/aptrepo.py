"""A flat apt repository from a folder of .debs (Packages, Release, optionally signed InRelease).

Written in Python on purpose: only `dpkg-deb` (always present with dpkg) and `gpg` are needed,
not dpkg-dev or apt-utils.
"""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import time
from pathlib import Path


def _stanza(deb: Path, base: Path) -> str:
    control = subprocess.run(["dpkg-deb", "-f", str(deb)], check=True, capture_output=True, text=True).stdout
    data = deb.read_bytes()
    return (
        control.rstrip("\n")
        + f"\nFilename: ./{deb.relative_to(base)}\nSize: {len(data)}\n"
        + f"MD5sum: {hashlib.md5(data).hexdigest()}\nSHA256: {hashlib.sha256(data).hexdigest()}\n"
    )


def build(repo: Path, *, gnupg_home: Path | None = None, key_id: str | None = None) -> None:
    """Index every .deb under `repo`; sign the Release as InRelease when a key is given."""
    stanzas = [_stanza(deb, repo) for deb in sorted(repo.rglob("*.deb"))]
    packages = "\n".join(stanzas).encode()
    (repo / "Packages").write_bytes(packages)
    (repo / "Packages.gz").write_bytes(gzip.compress(packages, mtime=0))
    lines = [
        "Origin: wastectl-lab",
        "Label: wastectl-lab",
        "Date: " + time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime()),
        "SHA256:",
    ]
    for name in ("Packages", "Packages.gz"):
        blob = (repo / name).read_bytes()
        lines.append(f" {hashlib.sha256(blob).hexdigest()} {len(blob)} {name}")
    (repo / "Release").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if gnupg_home is not None and key_id is not None:
        subprocess.run(
            [
                "gpg",
                "--homedir",
                str(gnupg_home),
                "--batch",
                "--yes",
                "--local-user",
                key_id,
                "--clearsign",
                "--output",
                str(repo / "InRelease"),
                str(repo / "Release"),
            ],
            check=True,
            capture_output=True,
        )
        stop_agent(gnupg_home)


def stop_agent(gnupg_home: Path) -> None:
    """gpg starts a gpg-agent daemon per home directory and leaves it running: stop it."""
    subprocess.run(["gpgconf", "--homedir", str(gnupg_home), "--kill", "gpg-agent"], check=False,
                   capture_output=True)  # fmt: skip


def signing_key(gnupg_home: Path, export_to: Path) -> str:
    """A throwaway ed25519 signing key (no passphrase); its armored public half in `export_to`."""
    gnupg_home.mkdir(mode=0o700, parents=True, exist_ok=True)
    uid = "wastectl lab repository <lab@wastectl.invalid>"
    subprocess.run(
        [
            "gpg",
            "--homedir",
            str(gnupg_home),
            "--batch",
            "--passphrase",
            "",
            "--quick-gen-key",
            uid,
            "ed25519",
            "sign",
            "never",
        ],
        check=True,
        capture_output=True,
    )
    armored = subprocess.run(
        ["gpg", "--homedir", str(gnupg_home), "--armor", "--export", uid],
        check=True,
        capture_output=True,
    ).stdout
    export_to.write_bytes(armored)
    stop_agent(gnupg_home)
    return uid
