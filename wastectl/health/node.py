"""Node-layer checks: each reads the output of the commands the registry lists for it.

The commands are what an operator would type; their output is parsed, not just their exit codes.
All commands of the selected checks go to the node in ONE round trip (node_runner.py).
"""

from __future__ import annotations

import re

from wastectl.health.model import NodeCheckFn, Outcome, Status, fail, warn
from wastectl.nodes.model import Node
from wastectl.nodes.ssh import CommandResult

#: What the checks below send to the node; the registry lists each check's commands from these.
SUDO = "sudo -n true"
SWAPON = "swapon --show --noheadings"
LSMOD = "lsmod"
DF = "df -P /var/lib"
FREE = "free -m"
CRICTL_VERSION = "sudo -n crictl version"
KUBEADM_VERSION = "kubeadm version -o short"
KUBELET_VERSION = "kubelet --version"
IP_FORWARD = "net.ipv4.ip_forward"
BRIDGE_NF = "net.bridge.bridge-nf-call-iptables"


def sysctl(key: str) -> str:
    return f"sysctl -n {key}"


def is_active(unit: str) -> str:
    return f"systemctl is-active {unit}"


class Probe:
    """The batch's results, looked up by command; a timed-out command ends the check as ERROR."""

    def __init__(self, results: dict[str, CommandResult], node: Node | None = None) -> None:
        self._results = results
        self.node = node  # for checks whose expectation depends on the role (ports)

    def run(self, command: str, timeout: float) -> CommandResult:
        result = self._results[command]
        if result.exit_status == 124:
            raise Outcome(Status.error, f"`{command}` timed out after {timeout:g}s")
        return result


def _run(conn: Probe, command: str, timeout: float) -> CommandResult:
    return conn.run(command, timeout)


def sudo(conn: Probe, timeout: float) -> str:
    result = _run(conn, SUDO, timeout)
    if result.exit_status != 0:
        raise fail(f"sudo -n true failed: {(result.stderr or result.stdout).strip()[:200]}")
    return "passwordless sudo works"


def swap_off(conn: Probe, timeout: float) -> str:
    out = _run(conn, SWAPON, timeout).stdout.strip()
    if out:
        raise fail("swap is on: " + "; ".join(line.split()[0] for line in out.splitlines()))
    return "no active swap"


def _sysctl(conn: Probe, key: str, timeout: float) -> str | None:
    result = _run(conn, sysctl(key), timeout)
    return result.stdout.strip() if result.exit_status == 0 else None


def ip_forward(conn: Probe, timeout: float) -> str:
    value = _sysctl(conn, IP_FORWARD, timeout)
    if value != "1":
        raise fail(f"net.ipv4.ip_forward = {value}")
    return "net.ipv4.ip_forward = 1"


def br_netfilter(conn: Probe, timeout: float) -> str:
    modules = _run(conn, LSMOD, timeout).stdout
    if not re.search(r"^br_netfilter\s", modules, re.MULTILINE):
        raise fail("kernel module br_netfilter is not loaded")
    value = _sysctl(conn, BRIDGE_NF, timeout)
    if value != "1":
        raise fail(f"net.bridge.bridge-nf-call-iptables = {value}")
    return "br_netfilter loaded, bridge-nf-call-iptables = 1"


def disk_usage(conn: Probe, timeout: float) -> str:
    out = _run(conn, DF, timeout).stdout
    match = re.search(r"\s(\d+)%\s+(\S+)\s*$", out.strip())
    if not match:
        raise Outcome(Status.error, f"cannot parse df output: {out.strip()[:120]!r}")
    pct, mount = int(match[1]), match[2]
    if pct >= 90:
        raise fail(f"{mount} is {pct}% full")
    if pct >= 80:
        raise warn(f"{mount} is {pct}% full (>= 80%)")
    return f"{mount} is {pct}% full"


def memory(conn: Probe, timeout: float) -> str:
    out = _run(conn, FREE, timeout).stdout
    line = next((row for row in out.splitlines() if row.startswith("Mem:")), "")
    fields = line.split()
    if len(fields) < 7:
        raise Outcome(Status.error, f"cannot parse free -m output: {out.strip()[:120]!r}")
    available = int(fields[6])
    if available > 2000:
        return f"{available} MiB available"
    if available > 1000:
        raise warn(f"only {available} MiB available (<= 2000)")
    raise fail(f"only {available} MiB available (<= 1000)")


def service_active(name: str) -> NodeCheckFn:
    def check(conn: Probe, timeout: float) -> str:
        result = _run(conn, is_active(name), timeout)
        state = result.stdout.strip() or "unknown"
        if result.exit_status != 0 or state != "active":
            raise fail(f"{name} is {state}")
        return f"{name} is active"

    return check


def cri(conn: Probe, timeout: float) -> str:
    result = _run(conn, CRICTL_VERSION, timeout)
    fields = {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in result.stdout.splitlines())
    }
    if result.exit_status != 0 or "RuntimeName" not in fields:
        raise fail(f"crictl version failed: {(result.stderr or result.stdout).strip()[:200]}")
    api = fields.get("RuntimeApiVersion", "?")
    return f"{fields['RuntimeName']} {fields.get('RuntimeVersion', '?')} (CRI {api})"


_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def version_skew(conn: Probe, timeout: float) -> str:
    kubeadm = _VERSION.search(_run(conn, KUBEADM_VERSION, timeout).stdout)
    kubelet = _VERSION.search(_run(conn, KUBELET_VERSION, timeout).stdout)
    if not kubeadm or not kubelet:
        raise fail(
            f"cannot read versions (kubeadm {bool(kubeadm)}, kubelet {bool(kubelet)}); are they installed?"
        )
    adm, let = tuple(map(int, kubeadm.groups())), tuple(map(int, kubelet.groups()))
    text = f"kubeadm v{'.'.join(map(str, adm))}, kubelet v{'.'.join(map(str, let))}"
    if adm == let:
        return text
    if let[:2] > adm[:2] or adm[1] - let[1] > 3 or adm[0] != let[0]:
        raise fail(f"{text}: unsupported skew")
    raise warn(f"{text}: versions differ")
