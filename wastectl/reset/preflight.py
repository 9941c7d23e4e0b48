"""Reset preflight: before anything is cordoned, every target must be reachable over SSH with a
verified host key, have working root (or passwordless sudo) and the tools the reset steps call.

A reset that drains a node and then cannot log in to it leaves the node cordoned for nothing;
this runs on every target first and the reset stops before touching any of them if one fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wastectl.nodes.model import Node
from wastectl.nodes.ssh import Connection, SSHError

#: The binaries the reset steps run (ipvsadm is optional: the step skips it when absent).
REQUIRED_TOOLS = ("kubeadm", "crictl", "ip", "iptables", "iptables-save", "systemctl", "timeout")


@dataclass
class Preflight:
    node: str
    problems: list[str]
    connection: Connection | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def preflight(
    node: Node, *, known_hosts: Path, accept_new: bool, cluster: str, selector: str | None
) -> Preflight:
    """Open the connection (kept open for the reset when everything is in order)."""
    from wastectl.nodes.batch import run_batch

    try:
        conn = Connection(
            node, known_hosts=known_hosts, accept_new=accept_new, cluster=cluster, selector=selector
        )
    except SSHError as exc:
        return Preflight(node.name, [exc.with_hint()])
    problems: list[str] = []
    sudo = "sudo -n true"
    tools = "for t in " + " ".join(REQUIRED_TOOLS) + '; do command -v "$t" >/dev/null || echo "$t"; done'
    try:
        results = run_batch(conn, {sudo: 15.0, tools: 15.0})
    except Exception as exc:  # the session broke right after connecting
        conn.close()
        return Preflight(node.name, [f"could not run the preflight commands: {exc}"])
    if results[sudo].exit_status != 0:
        why = (results[sudo].stderr or results[sudo].stdout).strip()[
            :200
        ] or f"exit {results[sudo].exit_status}"
        problems.append(
            f"`sudo -n true` failed as {node.ssh.user} ({why}): allow NOPASSWD sudo or connect as root"
        )
    missing = results[tools].stdout.split()
    if missing:
        problems.append("missing tools: " + ", ".join(missing))
    if problems:
        conn.close()
        return Preflight(node.name, problems)
    return Preflight(node.name, [], conn)
