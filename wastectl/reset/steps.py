"""What `wastectl reset` runs on a node, step by step and each exit status checked.

Every step is a shell command sent over SSH (what reset-node.sh did). It removes what the
ResetLeftovers check (wastectl/health/leftovers.py) looks for afterwards, from the same lists. The
paths are the node's own, always: there is no switch that points reset (or its check) elsewhere.
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from wastectl.health.leftovers import CNI_LINKS, PATHS
from wastectl.nodes.ssh import Connection


@dataclass(frozen=True)
class Step:
    title: str
    command: str
    timeout: float = 120.0


def reset_steps() -> list[Step]:
    links = " ".join(CNI_LINKS)
    return [
        Step("kubeadm reset", "sudo -n kubeadm reset -f"),
        Step(
            "remove Kubernetes, etcd, kubelet and CNI state",
            "sudo -n rm -rf " + " ".join(PATHS),
        ),
        Step(
            f"delete CNI links ({links})",
            f'for l in {links}; do sudo -n ip link delete "$l" 2>/dev/null || true; done',
        ),
        Step(
            "flush iptables",
            "sudo -n iptables -F && sudo -n iptables -t nat -F && sudo -n iptables -t mangle -F"
            " && sudo -n iptables -X && sudo -n iptables -t nat -X && sudo -n iptables -t mangle -X",
        ),
        Step("clear IPVS", "if command -v ipvsadm >/dev/null; then sudo -n ipvsadm --clear; fi"),
        Step(
            "remove containers and images",
            'c=$(sudo -n crictl ps -a -q); [ -z "$c" ] || sudo -n crictl rm -f $c; '
            'i=$(sudo -n crictl images -q); [ -z "$i" ] || sudo -n crictl rmi $i; true',
        ),
        Step("restart containerd", "sudo -n systemctl restart containerd"),
    ]


@dataclass(frozen=True)
class StepResult:
    title: str
    exit_status: int
    output: str


def run_steps(conn: Connection, steps: list[Step], on_step: Callable[[Step], None]) -> list[StepResult]:
    """Run the steps in order in ONE remote shell, even after a failure (like reset-node.sh);
    the verification decides. Progress is reported live as each step starts.
    """
    marker = "@@wastectl-" + secrets.token_hex(8)
    lines = []
    for index, step in enumerate(steps):
        lines.append(
            f'echo "{marker} begin {index}"; timeout {step.timeout:g} sh -c {shlex.quote(step.command)} '
            f'</dev/null 2>&1; echo "{marker} rc {index} $?"'
        )
    channel = conn.open_session()
    channel.exec_command("sh -s")
    channel.sendall(("\n".join(lines) + "\n").encode())
    channel.shutdown_write()
    outputs: dict[int, list[str]] = {}
    codes: dict[int, int] = {}
    current = -1
    buffer = ""
    with channel:
        while True:
            data = channel.recv(65536)
            if not data:
                break
            buffer += data.decode(errors="replace")
            *complete, buffer = buffer.split("\n")
            for line in complete:
                if line.startswith(f"{marker} begin "):
                    current = int(line.rsplit(" ", 1)[1])
                    on_step(steps[current])
                elif line.startswith(f"{marker} rc "):
                    _, _, step_index, code = line.rsplit(" ", 3)
                    codes[int(step_index)] = int(code) if code.isdigit() else 255
                elif current >= 0:
                    outputs.setdefault(current, []).append(line)
        channel.recv_exit_status()
    return [
        StepResult(step.title, codes.get(i, 255), "\n".join(outputs.get(i, [])).strip())
        for i, step in enumerate(steps)
    ]
