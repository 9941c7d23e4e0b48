"""Node-layer checks, run over one SSH connection per node (nodes in parallel).

The commands are what an operator would type; their output is parsed, not just their exit codes.
All commands of the selected checks go to the node in ONE round trip (see batch.py): a login shell
per command costs 100-500 ms on real nodes, which would dominate the run.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from wastectl.fleet.model import Node
from wastectl.fleet.ssh import CommandResult, Connection, SSHError
from wastectl.health.batch import run_batch
from wastectl.health.model import CheckSpec, Layer, Outcome, Result, Status, fail, warn
from wastectl.health.registry import SPECS

Check = Callable[["Probe", float], str]


def applies(spec: CheckSpec, node: Node) -> bool:
    """Control-plane-only checks (etcd, certificates, API ports) run on control-plane nodes only."""
    return spec.roles != "control-plane" or node.is_control_plane


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
    result = _run(conn, "sudo -n true", timeout)
    if result.exit_status != 0:
        raise fail(f"sudo -n true failed: {(result.stderr or result.stdout).strip()[:200]}")
    return "passwordless sudo works"


def swap_off(conn: Probe, timeout: float) -> str:
    out = _run(conn, "swapon --show --noheadings", timeout).stdout.strip()
    if out:
        raise fail("swap is on: " + "; ".join(line.split()[0] for line in out.splitlines()))
    return "no active swap"


def _sysctl(conn: Probe, key: str, timeout: float) -> str | None:
    result = _run(conn, f"sysctl -n {key}", timeout)
    return result.stdout.strip() if result.exit_status == 0 else None


def ip_forward(conn: Probe, timeout: float) -> str:
    value = _sysctl(conn, "net.ipv4.ip_forward", timeout)
    if value != "1":
        raise fail(f"net.ipv4.ip_forward = {value}")
    return "net.ipv4.ip_forward = 1"


def br_netfilter(conn: Probe, timeout: float) -> str:
    modules = _run(conn, "lsmod", timeout).stdout
    if not re.search(r"^br_netfilter\s", modules, re.MULTILINE):
        raise fail("kernel module br_netfilter is not loaded")
    value = _sysctl(conn, "net.bridge.bridge-nf-call-iptables", timeout)
    if value != "1":
        raise fail(f"net.bridge.bridge-nf-call-iptables = {value}")
    return "br_netfilter loaded, bridge-nf-call-iptables = 1"


def disk_usage(conn: Probe, timeout: float) -> str:
    out = _run(conn, "df -P /var/lib", timeout).stdout
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
    out = _run(conn, "free -m", timeout).stdout
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


def _service(name: str) -> Check:
    def check(conn: Probe, timeout: float) -> str:
        result = _run(conn, f"systemctl is-active {name}", timeout)
        state = result.stdout.strip() or "unknown"
        if result.exit_status != 0 or state != "active":
            raise fail(f"{name} is {state}")
        return f"{name} is active"

    return check


def cri(conn: Probe, timeout: float) -> str:
    result = _run(conn, "sudo -n crictl version", timeout)
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
    kubeadm = _VERSION.search(_run(conn, "kubeadm version -o short", timeout).stdout)
    kubelet = _VERSION.search(_run(conn, "kubelet --version", timeout).stdout)
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


COMMANDS: dict[str, tuple[str, ...]] = {
    "Sudo": ("sudo -n true",),
    "SwapOff": ("swapon --show --noheadings",),
    "IPForward": ("sysctl -n net.ipv4.ip_forward",),
    "BrNetfilter": ("lsmod", "sysctl -n net.bridge.bridge-nf-call-iptables"),
    "DiskUsage": ("df -P /var/lib",),
    "Memory": ("free -m",),
    "ContainerdActive": ("systemctl is-active containerd",),
    "KubeletActive": ("systemctl is-active kubelet",),
    "CRIRuntime": ("sudo -n crictl version",),
    "VersionSkew": ("kubeadm version -o short", "kubelet --version"),
}

NODE_CHECKS: dict[str, Check] = {
    "Sudo": sudo,
    "SwapOff": swap_off,
    "IPForward": ip_forward,
    "BrNetfilter": br_netfilter,
    "DiskUsage": disk_usage,
    "Memory": memory,
    "ContainerdActive": _service("containerd"),
    "KubeletActive": _service("kubelet"),
    "CRIRuntime": cri,
    "VersionSkew": version_skew,
}


def all_commands() -> dict[str, tuple[str, ...]]:
    from wastectl.health import peers

    return {**COMMANDS, **peers.COMMANDS}


def all_checks() -> dict[str, Check]:
    from wastectl.health import peers

    return {**NODE_CHECKS, **peers.CHECKS}


def run_node(
    node: Node,
    *,
    selected: set[str],
    known_hosts: Path,
    accept_new: bool,
    cluster: str,
    on_connect: Callable[[Connection], None] | None = None,
    selector: str | None = None,
) -> list[Result]:
    """Every selected node check on one node; if SSH fails, each of them is ERROR with the reason.

    `on_connect` receives the open connection, so that Ctrl-C in the main thread can close it and
    unblock this worker at once instead of waiting for the node's slowest check.
    """
    specs = [s for s in SPECS if s.layer is Layer.node and s.id in selected and applies(s, node)]
    started = time.monotonic()
    try:
        conn = Connection(
            node, known_hosts=known_hosts, accept_new=accept_new, cluster=cluster, selector=selector
        )
    except SSHError as exc:
        # One root cause, one error: NodeReachable fails, the checks that need SSH are skipped.
        message = exc.with_hint()
        spec = next((s for s in SPECS if s.id == "NodeReachable"), None)
        assert spec is not None
        out = [
            Result(
                spec.id,
                spec.layer,
                spec.severity,
                node.name,
                Status.fail,
                message,
                spec.fix,
                time.monotonic() - started,
            )
        ]
        out += [
            Result(
                s.id,
                s.layer,
                s.severity,
                node.name,
                Status.skip,
                "skipped: the node is not reachable (see NodeReachable)",
                s.fix,
            )
            for s in specs
            if s.id != "NodeReachable"
        ]
        return out
    if on_connect is not None:
        on_connect(conn)
    results: list[Result] = []
    with conn:
        batch_started = time.monotonic()
        commands = {cmd: spec.timeout for spec in specs for cmd in all_commands().get(spec.id, ())}
        try:
            probe = Probe(run_batch(conn, commands), node)
        except Exception as exc:
            message = f"could not run the checks: {type(exc).__name__}: {exc}"
            return [Result(s.id, s.layer, s.severity, node.name, Status.error, message, s.fix) for s in specs]
        batch_seconds = time.monotonic() - batch_started
        for spec in specs:
            check_started = time.monotonic()
            if spec.id == "NodeReachable":
                results.append(
                    Result(
                        spec.id,
                        spec.layer,
                        spec.severity,
                        node.name,
                        Status.ok,
                        f"{node.ssh.user}@{node.host}:{node.ssh.port}",
                        spec.fix,
                        check_started - started,
                    )
                )
                continue
            try:
                message, status = all_checks()[spec.id](probe, spec.timeout), Status.ok
            except Outcome as outcome:
                message, status = outcome.message, outcome.status
            except Exception as exc:  # a broken connection mid-way: the check could not run
                message, status = f"{type(exc).__name__}: {exc}", Status.error
            results.append(
                Result(
                    spec.id,
                    spec.layer,
                    spec.severity,
                    node.name,
                    status,
                    message,
                    spec.fix,
                    batch_seconds + time.monotonic() - check_started,
                )
            )
    return results
