"""What `wastectl reset` runs on a node, and the ResetLeftovers verification afterwards.

Every step is a shell command sent over SSH (what reset-node.sh did, step by step and checked).
The paths are the node's own, always: there is no switch that points reset (or its check) elsewhere.
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from wastectl.fleet.ssh import Connection

STATE_DIRS = (
    "/etc/kubernetes",
    "/var/lib/etcd",
    "/var/lib/kubelet",
    "/etc/cni/net.d",
    "/var/lib/cni",
    "/opt/cni/bin",
)
CNI_LINKS = ("cni0", "flannel.1", "tunl0", "vxlan.calico")
IPTABLES_MARKERS = ("KUBE-", "cali-", "FLANNEL", "CILIUM")


@dataclass(frozen=True)
class Step:
    title: str
    command: str
    timeout: float = 120.0


#: What `rm -rf` removes and the check looks for; `$HOME` is the SSH user's, expanded on the node.
PATHS = (*STATE_DIRS, '"$HOME/.kube"')
#: Existing paths on stdout; GNU ls exits 2 when some are missing, anything else means "not checked".
PATHS_CHECK = "sudo -n ls -d -- " + " ".join(PATHS)


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


def leftovers(conn: Connection) -> list[str]:
    """The ResetLeftovers check: state dirs, CNI links, k8s iptables chains, containers still present.

    The paths are looked at as root, like they were removed: a directory the SSH user cannot
    search must never read as gone.
    """
    from wastectl.health.batch import run_batch

    found: list[str] = []
    commands = {
        PATHS_CHECK: 30.0,
        "ip -o link show": 30.0,
        "sudo -n iptables-save": 30.0,
        "sudo -n crictl ps -a -q": 30.0,
    }
    results = run_batch(conn, commands)
    paths = results[PATHS_CHECK]
    if paths.exit_status not in (0, 2):
        found.append(f"state paths not checked: {(paths.stderr or paths.stdout).strip()[:200]}")
    found += [f"{line} still exists" for line in paths.stdout.splitlines() if line.strip()]
    links = results["ip -o link show"].stdout
    names = {part.split(":")[1].strip().split("@")[0] for part in links.splitlines() if part.count(":") >= 2}
    found += [f"link {link} still exists" for link in CNI_LINKS if link in names]
    rules = results["sudo -n iptables-save"].stdout
    kube_rules = [line for line in rules.splitlines() if any(m in line for m in IPTABLES_MARKERS)]
    if kube_rules:
        found.append(f"{len(kube_rules)} Kubernetes/CNI iptables rule(s) remain")
    containers = results["sudo -n crictl ps -a -q"].stdout.split()
    if containers:
        found.append(f"{len(containers)} container(s) remain")
    return found
