"""Stand-in Kubernetes packages (kubeadm/kubelet/kubectl .debs) and a Helm tarball for the lab."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tarfile
from pathlib import Path

from tests.wastectl.cluster.lab import aptrepo

HERE = Path(__file__).parent / "standins"
#: The version the roles pin, and a newer one the repository also offers (the pin must win).
VERSIONS = ("1.30.4-1.1", "1.30.5-1.1")
KUBELET_UNIT = "[Unit]\nDescription=kubelet (lab stand-in)\n[Service]\nExecStart=/usr/bin/kubelet\n"


def _tool(version: str) -> str:
    return (
        (HERE / "kube_tools.py")
        .read_text(encoding="utf-8")
        .replace("@VERSION@", version.split("-", maxsplit=1)[0])
    )


def _deb(out: Path, name: str, version: str) -> None:
    root = out / f"{name}_{version}"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN/control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: amd64\n"
        "Maintainer: wastectl lab <lab@wastectl.invalid>\n"
        f"Depends: python3, python3-yaml\nSection: admin\nPriority: optional\n"
        f"Description: lab stand-in for {name} (records calls, answers like the real tool)\n",
        encoding="utf-8",
    )
    binary = root / "usr/bin" / name
    binary.parent.mkdir(parents=True)
    binary.write_text(_tool(version), encoding="utf-8")
    binary.chmod(0o755)
    if name == "kubelet":
        unit = root / "lib/systemd/system/kubelet.service"
        unit.parent.mkdir(parents=True)
        unit.write_text(KUBELET_UNIT, encoding="utf-8")
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "--build", str(root), str(out)], check=True, capture_output=True
    )
    shutil.rmtree(root)


def kubernetes_repo(repo: Path, gnupg: Path) -> None:
    """A signed flat repository, as pkgs.k8s.io serves: Release.key, InRelease, Packages."""
    repo.mkdir(parents=True)
    key_id = aptrepo.signing_key(gnupg, repo / "Release.key")
    for version in VERSIONS:
        for name in ("kubelet", "kubeadm", "kubectl"):
            _deb(repo, name, version)
    aptrepo.build(repo, gnupg_home=gnupg, key_id=key_id)


def helm_tarball(path: Path) -> str:
    """helm-vX-linux-amd64.tar.gz with a stand-in `linux-amd64/helm`; returns its sha256."""
    script = _tool("3.16.2").encode()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("linux-amd64/helm")
        info.size, info.mode = len(script), 0o755
        tar.addfile(info, io.BytesIO(script))
    return hashlib.sha256(path.read_bytes()).hexdigest()
