"""The reset of one node, and what comes before it: the order, the dry-run plan, the preflight.

`wastectl reset` (wastectl/commands/reset.py) reads the options, asks, prints; this does the work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wastectl.errors import WastectlError
from wastectl.reset.steps import reset_steps, run_steps

if TYPE_CHECKING:
    from wastectl.kube.client import KubeClient
    from wastectl.nodes.model import Inventory, Node
    from wastectl.nodes.ssh import Connection
    from wastectl.reset.preflight import Preflight


@dataclass(frozen=True)
class ResetOptions:
    skip_drain: bool = False
    keep_node: bool = False
    drain_timeout: float = 300.0
    kubectl: str = "kubectl"  # how the uncordon command starts (with --kubeconfig when one was given)


@dataclass
class NodeReport:
    node: str
    ok: bool = False
    steps: list[dict[str, Any]] = field(default_factory=list)
    evicted: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    node_deleted: bool = False
    cordoned: bool = False
    failed_steps: list[str] = field(default_factory=list)
    error: str | None = None
    uncordon: str | None = None  # the exact command to put the node back, when it stays cordoned


def order(inventory: Inventory, target: str) -> list[Node]:
    if target != "all":
        return [inventory.get(target)]
    workers = [n for n in inventory.nodes if not n.is_control_plane]
    return workers + [n for n in inventory.nodes if n.is_control_plane]


def plan(nodes: list[Node], options: ResetOptions) -> list[dict[str, Any]]:
    """What a reset of `nodes` would do, action by action (`--dry-run`); secrets masked."""
    from wastectl.redact import redact

    out = []
    for node in nodes:
        actions = [
            f"preflight {node.name}: SSH {node.ssh.user}@{node.host}:{node.ssh.port} with a verified "
            "host key, sudo -n true, tools present (every target before anything is cordoned)"
        ]
        if not options.skip_drain:
            actions += [
                f"PATCH /api/v1/nodes/<{node.name}> spec.unschedulable=true (cordon)",
                f"evict every non-DaemonSet pod on {node.name} (POST .../pods/<pod>/eviction)"
                " and wait until they are gone",
            ]
        actions += [
            f"ssh {node.ssh.user}@{node.host}:{node.ssh.port}: {step.command}" for step in reset_steps()
        ]
        actions.append(f"verify ResetLeftovers on {node.name}")
        if not options.keep_node:
            actions.append(f"DELETE /api/v1/nodes/<{node.name}> (only if every step and the check passed)")
        out.append({"node": node.name, "role": node.role, "actions": [redact(a) for a in actions]})
    return out


def preflight_all(inventory: Inventory, nodes: list[Node], *, accept_new: bool) -> list[Preflight]:
    """Every target in parallel; each passing one keeps its connection open for the reset."""
    from wastectl.nodes.knownhosts import known_hosts_path
    from wastectl.nodes.parallel import map_nodes
    from wastectl.reset.preflight import preflight

    return map_nodes(
        nodes,
        lambda node: preflight(
            node,
            known_hosts=known_hosts_path(inventory.cluster),
            accept_new=accept_new,
            cluster=inventory.cluster,
            selector=inventory.selector_args,
        ),
        stop=threading.Event(),
    )


def leftovers(conn: Connection, node: Node) -> list[str]:
    """The registry's ResetLeftovers check on the node: its commands in one batch, then what is left."""
    from wastectl.health import leftovers as check
    from wastectl.health.model import CheckId, Outcome
    from wastectl.health.node import Probe
    from wastectl.health.registry import node_check
    from wastectl.nodes.batch import run_batch

    spec = node_check(CheckId.ResetLeftovers)
    probe = Probe(run_batch(conn, dict.fromkeys(spec.commands, spec.timeout)), node)
    try:
        return check.find(probe, spec.timeout)
    except Outcome as outcome:  # a command timed out: nothing can be said about what is left
        return [f"not checked: {outcome.message}"]


def reset_node(
    inventory: Inventory,
    node: Node,
    kube: KubeClient | None,
    conn: Connection,
    *,
    options: ResetOptions,
    say: Callable[[str], None],
) -> NodeReport:
    """Cordon and drain, run every step (each exit status counts), verify, then delete the Node -
    only when every step and the leftovers check passed."""
    from wastectl.kube import drain as k8s
    from wastectl.kube.client import KubeError
    from wastectl.nodes.registered import match_nodes

    report = NodeReport(node.name)
    skip_drain, keep_node = options.skip_drain, options.keep_node

    api_name = None
    try:
        if kube is not None:
            item = match_nodes(kube.items("/api/v1/nodes"), inventory).get(node.name)
            api_name = item["metadata"]["name"] if item else None
            if api_name is None:
                say(f"[{node.name}] no Node object registered; skipping drain and delete")
        if kube is not None and api_name and not skip_drain:
            say(f"[{node.name}] cordon {api_name}")
            k8s.cordon(kube, api_name)
            report.cordoned = True
            say(f"[{node.name}] drain {api_name}")
            report.evicted = k8s.drain(kube, api_name, timeout=options.drain_timeout, say=say)
        results = run_steps(conn, reset_steps(), lambda step: say(f"[{node.name}] {step.title}"))
        failed_steps = report.failed_steps
        for result in results:
            report.steps.append(
                {"step": result.title, "exit_status": result.exit_status, "output": result.output[-2000:]}
            )
            if result.exit_status != 0:
                failed_steps.append(f"{result.title} (exit {result.exit_status})")
                say(f"[{node.name}] {result.title}: exit {result.exit_status}: {result.output[-300:]}")
        report.leftovers = leftovers(conn, node)
        problems = [f"step failed: {step}" for step in failed_steps]
        if report.leftovers:
            problems.append("ResetLeftovers: " + "; ".join(report.leftovers))
        if problems:
            report.error = "; ".join(problems)
        elif kube is not None and api_name and not keep_node:
            say(f"[{node.name}] delete Node {api_name}")
            try:
                report.node_deleted = k8s.delete_node(kube, api_name)
            except KubeError as exc:
                if exc.status is not None or not node.is_control_plane:
                    raise
                say(f"[{node.name}] the API server went away with the control plane; nothing to delete")
            report.ok = True
        else:
            report.ok = True
    except WastectlError as exc:
        report.error = exc.message
    if not report.ok and report.cordoned and api_name:
        report.uncordon = f"{options.kubectl} uncordon {api_name}"
    return report
