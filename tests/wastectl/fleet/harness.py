"""Real OpenSSH sshd processes on 127.0.0.x acting as cluster nodes (shared by fleet/health/reset tests)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.cli import free_port
from tests.wastectl.fleet import standins

SSHD = "/usr/sbin/sshd"
DANGEROUS = ("sudo", "ip", "iptables", "ipvsadm", "kubeadm", "crictl", "systemctl")
ROLES = ("master", "worker", "worker", "storage")
NAMES = ("master", "worker-1", "worker-2", "storage")


@dataclass
class SshdNode:
    name: str
    role: str
    address: str
    port: int
    dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def root(self) -> Path:
        return self.dir / "root"

    def calls(self) -> list[str]:
        return (self.dir / "calls.log").read_text(encoding="utf-8").splitlines()

    def set_state(self, **values: str) -> None:
        standins.set_state(self.dir, **values)

    def state(self, key: str) -> str:
        return (self.dir / "state" / key).read_text(encoding="utf-8")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass
class Fleet:
    base: Path
    client_key: Path
    nodes: list[SshdNode] = field(default_factory=list)

    def node(self, name: str) -> SshdNode:
        return next(n for n in self.nodes if n.name == name)

    def write_inventory(self, path: Path | None = None, *, cluster: str = "testc", **extra: Any) -> Path:
        path = path or self.base / "inventory.yaml"
        data: dict[str, Any] = {
            "cluster": cluster,
            "ssh": {"user": "root", "key": str(self.client_key), "agent": False, "connect_timeout": 5},
            "nodes": [
                {
                    "name": n.name,
                    "role": n.role,
                    "host": n.address,
                    "port": n.port,
                    "private_ip": f"10.0.1.{i + 10}",
                }
                for i, n in enumerate(self.nodes)
            ],
            **extra,
        }
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return path

    def reset(self) -> None:
        for node in self.nodes:
            standins.reset_state(node.dir)


def require_sshd() -> None:
    if not Path(SSHD).exists():
        pytest.skip("OpenSSH sshd is not installed (apt-get install -y openssh-server)")
    Path("/run/sshd").mkdir(exist_ok=True)


def keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def start_node(
    node: SshdNode, authorized_keys: Path, *, host_key: Path | None = None, bare_home: bool = False
) -> None:
    """Start the node's sshd. `bare_home` gives sessions HOME=<node dir>, so login shells skip the
    machine's own ~/.bashrc (pyenv init: ~0.18 s CPU per session here) - for benchmarks, where
    16 simulated nodes share this machine's 2 cores and that cost is not the product's."""
    if host_key is None:
        host_key = node.dir / "hostkey"
        if not host_key.exists():
            keygen(host_key)
    bin_dir = node.dir / "bin"
    cmd = [
        SSHD,
        "-D",
        "-e",
        "-f",
        "/dev/null",
        "-p",
        str(node.port),
        "-h",
        str(host_key),
        "-o",
        f"ListenAddress={node.address}",
        "-o",
        f"AuthorizedKeysFile={authorized_keys}",
        "-o",
        "StrictModes=no",
        "-o",
        f"PidFile={node.dir / 'sshd.pid'}",
        "-o",
        "PermitRootLogin=prohibit-password",
        "-o",
        "PasswordAuthentication=no",
        "-o",
        "KbdInteractiveAuthentication=no",
        "-o",
        "UsePAM=no",
        "-o",
        "AllowTcpForwarding=yes",
        "-o",
        "MaxStartups=100:30:200",
        "-o",
        "MaxSessions=50",
        "-o",
        f"SetEnv=PATH={bin_dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        + (f" HOME={node.dir}" if bare_home else ""),
        "-o",
        "Subsystem=sftp internal-sftp",
    ]
    log = (node.dir / "sshd.log").open("ab")
    node.process = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    log.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((node.address, node.port), timeout=0.2):
                return
        except OSError:
            if node.process.poll() is not None:
                raise RuntimeError((node.dir / "sshd.log").read_text()) from None
            time.sleep(0.02)
    raise RuntimeError(f"sshd for {node.name} did not listen")


def start_fleet(base: Path, count: int = 4, *, bare_home: bool = False) -> Fleet:
    require_sshd()
    base.mkdir(parents=True, exist_ok=True)
    client_key = base / "client_key"
    keygen(client_key)
    authorized = base / "authorized_keys"
    shutil.copy(client_key.with_suffix(".pub"), authorized)
    fleet = Fleet(base=base, client_key=client_key)
    octet = random.randint(20, 200)
    try:
        for index in range(count):
            name = NAMES[index] if index < len(NAMES) else f"worker-{index}"
            role = ROLES[index] if index < len(ROLES) else "worker"
            address = f"127.0.{octet}.{index + 2}"
            node = SshdNode(name, role, address, free_port(address), base / name)
            node.dir.mkdir()
            standins.install(node.dir)
            start_node(node, authorized, bare_home=bare_home)
            fleet.nodes.append(node)
        verify_standins(fleet)
    except BaseException:
        stop_fleet(fleet)
        raise
    return fleet


def verify_standins(fleet: Fleet) -> None:
    """Refuse to run any test unless every dangerous binary resolves to the node's stand-in."""
    import paramiko

    for node in fleet.nodes:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        client.connect(
            node.address,
            node.port,
            "root",
            key_filename=str(fleet.client_key),
            look_for_keys=False,
            allow_agent=False,
            timeout=5,
        )
        try:
            _, out, _ = client.exec_command("command -v " + " ".join(DANGEROUS))
            paths = out.read().decode().split()
        finally:
            client.close()
        expected = [str(node.dir / "bin" / name) for name in DANGEROUS]
        if paths != expected:
            raise RuntimeError(f"stand-ins not first on PATH on {node.name}: {paths}")


def stop_fleet(fleet: Fleet) -> None:
    for node in fleet.nodes:
        node.stop()


def cli_env(repo_root: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WASTE_", "WASTECTL_", "AWS_"))}
    env.update({"PYTHONPATH": str(repo_root), "NO_COLOR": "1", "COLUMNS": "200", **extra})
    return env
