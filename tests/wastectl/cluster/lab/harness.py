"""Four throwaway Debian nodes on this machine, each in its own mount, PID, UTS and network
namespace, reached over a veth pair with real sshd inside.

Every node is an overlay over the cached base system (lab/base.py), so a node starts in well
under a second and writes only to its own upper folder. /srv/lab in every node is one shared
folder holding the stand-in Kubernetes apt repository, the Helm tarball and the stand-in API
server's state. What runs for real inside a node: apt/dpkg, file and template writes, sysctls in
its own network namespace, hostname in its own UTS namespace, sshd and python3 for Ansible.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.wastectl.cluster.lab import packages
from tests.wastectl.cluster.lab.base import ensure_base

STANDINS = Path(__file__).parent / "standins"
NODE_TOOLS = ("systemctl", "modprobe", "swapoff", "lsmod")
NAMES = ("master", "worker-1", "worker-2", "storage")
ROLES = ("master", "worker", "worker", "storage")

_BOOT = r"""
set -e
ROOT=$1 BASE=$2 UPPER=$3 WORK=$4 SHARE=$5 NAME=$6 IFACE=$7 ADDR=$8
mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$UPPER,workdir=$WORK" "$ROOT"
mount --bind "$SHARE" "$ROOT/srv/lab"
mount -t proc proc "$ROOT/proc"
mount -t tmpfs -o mode=755 tmpfs "$ROOT/run"
mkdir -p "$ROOT/run/sshd"
hostname "$NAME"
ip link set lo up
i=0
while ! ip link show "$IFACE" >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 400 ] || exit 3; sleep 0.025; done
ip addr add "$ADDR/30" dev "$IFACE"
ip link set "$IFACE" up
exec chroot "$ROOT" /usr/sbin/sshd -D -e -h /etc/ssh/ssh_host_ed25519_key -o UsePAM=no \
  -o PermitRootLogin=prohibit-password -o PasswordAuthentication=no -o ListenAddress="$ADDR"
"""


@dataclass
class LabNode:
    name: str
    role: str
    index: int
    dir: Path
    address: str
    host_address: str
    iface: str
    process: subprocess.Popen[bytes] | None = None

    @property
    def upper(self) -> Path:
        """The node's own writes (the overlay's upper layer), readable from the host."""
        return self.dir / "upper"

    def file(self, path: str) -> Path:
        return self.upper / path.lstrip("/")

    def host_key_line(self) -> str:
        pub = (self.dir / "ssh_host_ed25519_key.pub").read_text().split()
        return f"{self.address} {pub[0]} {pub[1]}"

    def standin_calls(self) -> list[str]:
        log = self.file("/var/log/lab-standins.log")
        return log.read_text().splitlines() if log.is_file() else []

    def stop(self) -> None:
        # unshare blocks SIGTERM while it waits; SIGKILL it and --kill-child takes the node's PID 1,
        # so the whole PID namespace, its mounts and the veth pair go with it.
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


@dataclass
class Lab:
    dir: Path
    client_key: Path
    share: Path
    helm_sha256: str
    base: Path
    nodes: list[LabNode] = field(default_factory=list)

    def node(self, name: str) -> LabNode:
        return next(n for n in self.nodes if n.name == name)

    def write_inventory(self, path: Path, *, cluster: str = "lab") -> Path:
        data = {
            "cluster": cluster,
            "ssh": {"user": "root", "key": str(self.client_key), "agent": False, "connect_timeout": 5},
            "nodes": [
                {"name": n.name, "role": n.role, "host": n.address, "port": 22, "private_ip": n.address}
                for n in self.nodes
            ],
        }
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return path

    def extra_vars(self) -> dict[str, Any]:
        """What the lab swaps in for what cannot exist here (documented in docs/cluster.md)."""
        return {
            "kubernetes_apt_repo_url": "file:///srv/lab/kubernetes/",
            "helm_download_url": "file:///srv/lab/helm.tar.gz",
            "helm_checksum": f"sha256:{self.helm_sha256}",
        }

    def write_extra_vars(self, path: Path) -> Path:
        path.write_text(yaml.safe_dump(self.extra_vars()), encoding="utf-8")
        return path

    def known_hosts(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(n.host_key_line() + "\n" for n in self.nodes), encoding="utf-8")
        return path

    def cluster_state(self) -> dict[str, Any]:
        import json

        state = self.share / "cluster/state.json"
        return json.loads(state.read_text()) if state.is_file() else {}

    def restart(self, name: str) -> None:
        """Start a stopped node again on its own upper layer (its files and host key survive)."""
        node = self.node(name)
        node.stop()
        start_node(node, self.base, self.share, self.client_key.with_suffix(".pub").read_bytes())

    def cluster_calls(self) -> list[str]:
        log = self.share / "cluster/calls.log"
        return log.read_text().splitlines() if log.is_file() else []


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def _prepare_upper(node: LabNode, authorized: bytes) -> None:
    up = node.upper
    for sub in ("etc/ssh", "root/.ssh", "usr/local/sbin", "srv/lab", "var/log"):
        (up / sub).mkdir(parents=True, exist_ok=True)
    if not (up / "etc/hosts").exists():
        (up / "etc/hosts").write_text("127.0.0.1 localhost\n::1 localhost ip6-localhost\n")
    (up / "root/.ssh").chmod(0o700)
    (up / "root/.ssh/authorized_keys").write_bytes(authorized)
    (up / "root/.ssh/authorized_keys").chmod(0o600)
    if not (node.dir / "ssh_host_ed25519_key").exists():  # a restart keeps the node's host key
        _keygen(node.dir / "ssh_host_ed25519_key")
    for suffix in ("", ".pub"):
        shutil.copy(node.dir / f"ssh_host_ed25519_key{suffix}", up / f"etc/ssh/ssh_host_ed25519_key{suffix}")
    (up / "etc/ssh/ssh_host_ed25519_key").chmod(0o600)
    for tool in NODE_TOOLS:
        shutil.copy(STANDINS / "node_tools.py", up / "usr/local/sbin" / tool)
        (up / "usr/local/sbin" / tool).chmod(0o755)


def _netns(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return None


def start_node(node: LabNode, base: Path, share: Path, authorized: bytes) -> None:
    for sub in ("upper", "work", "root"):
        (node.dir / sub).mkdir(parents=True, exist_ok=True)
    _prepare_upper(node, authorized)
    log = (node.dir / "node.log").open("ab")
    args = [str(node.dir / "root"), str(base), str(node.upper), str(node.dir / "work"), str(share)]
    node.process = subprocess.Popen(
        [
            "unshare",
            "--mount",
            "--pid",
            "--uts",
            "--net",
            "--fork",
            "--kill-child",
            "sh",
            "-c",
            _BOOT,
            "node",
            *args,
            node.name,
            f"{node.iface}n",
            node.address,
        ],
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
    )
    log.close()
    # unshare(2) moves the unshare process itself into the new network namespace; wait until it
    # has, or the veth's node end would land in the host's namespace.
    deadline = time.monotonic() + 30
    own = os.readlink("/proc/self/ns/net")
    while _netns(node.process.pid) in (own, None):
        if time.monotonic() > deadline or node.process.poll() is not None:
            raise RuntimeError(f"lab node {node.name} never entered its namespaces")
        time.sleep(0.01)
    while True:
        made = subprocess.run(  # noqa: PLW1510 (the return code is read below)
            [
                "ip",
                "link",
                "add",
                f"{node.iface}h",
                "type",
                "veth",
                "peer",
                "name",
                f"{node.iface}n",
                "netns",
                str(node.process.pid),
            ],
            capture_output=True,
        )
        if made.returncode == 0:
            break
        if time.monotonic() > deadline or node.process.poll() is not None:
            raise RuntimeError(
                f"veth for {node.name}: {made.stderr.decode()} {(node.dir / 'node.log').read_text()}"
            )
        time.sleep(0.05)
    subprocess.run(["ip", "addr", "add", f"{node.host_address}/30", "dev", f"{node.iface}h"], check=True)
    subprocess.run(["ip", "link", "set", f"{node.iface}h", "up"], check=True)
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((node.address, 22), timeout=0.2):
                return
        except OSError:
            if node.process.poll() is not None:
                break
            time.sleep(0.05)
    raise RuntimeError(f"lab node {node.name} did not start: {(node.dir / 'node.log').read_text()}")


def prepare_share(share: Path) -> str:
    """The shared /srv/lab: signed stand-in Kubernetes repo, Helm tarball, API-server state."""
    share.mkdir(parents=True)
    packages.kubernetes_repo(share / "kubernetes", share.parent / "gnupg")
    (share / "cluster").mkdir()
    return packages.helm_tarball(share / "helm.tar.gz")


def start_lab(directory: Path, count: int = 4) -> Lab:
    base = ensure_base()
    directory.mkdir(parents=True, exist_ok=True)
    client_key = directory / "client_key"
    _keygen(client_key)
    share = directory / "share"
    lab = Lab(dir=directory, client_key=client_key, share=share, helm_sha256=prepare_share(share), base=base)
    authorized = client_key.with_suffix(".pub").read_bytes()
    net = random.randint(0, 63)
    try:
        for index in range(count):
            name = NAMES[index] if index < len(NAMES) else f"worker-{index}"
            role = ROLES[index] if index < len(ROLES) else "worker"
            octet = 4 * index
            node = LabNode(
                name=name,
                role=role,
                index=index,
                dir=directory / name,
                address=f"10.251.{net}.{octet + 2}",
                host_address=f"10.251.{net}.{octet + 1}",
                iface=f"wl{net}x{index}",
            )
            lab.nodes.append(node)
            start_node(node, base, share, authorized)
    except BaseException:
        stop_lab(lab)
        raise
    return lab


def stop_lab(lab: Lab) -> None:
    """Stop every node (its namespaces, mounts and veth pair go with it)."""
    for node in lab.nodes:
        node.stop()
