"""`wastectl reset NODE|all`: drain, wipe Kubernetes off the node over SSH, verify, delete the Node."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wastectl.errors import WastectlError
from wastectl.exitcodes import ExitCode
from wastectl.fleet.cli import FleetArgs, fleet_options
from wastectl.output import OutputFormat, OutputOption, Printer

if TYPE_CHECKING:
    from wastectl.fleet.model import Inventory, Node
    from wastectl.kube.client import KubeClient


@dataclass
class NodeReport:
    node: str
    ok: bool = False
    steps: list[dict[str, Any]] = field(default_factory=list)
    evicted: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    node_deleted: bool = False
    error: str | None = None


def _order(inventory: Inventory, target: str) -> list[Node]:
    if target != "all":
        return [inventory.get(target)]
    workers = [n for n in inventory.nodes if not n.is_control_plane]
    return workers + [n for n in inventory.nodes if n.is_control_plane]


def _confirm(expected: str, what: str, printer: Printer) -> None:
    printer.info(f"This wipes Kubernetes from {what}. Type {expected!r} to continue:")
    answer = sys.stdin.readline().strip()
    if answer != expected:
        raise WastectlError(
            f"aborted: typed {answer!r}, expected {expected!r}; nothing was changed",
            exit_code=ExitCode.FAILURE,
        )


@fleet_options
def reset(
    *,
    fleet: FleetArgs,
    target: Annotated[str, typer.Argument(metavar="NODE|all", help="A node name, or all (workers first).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to type the name.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print every step; touch nothing.")] = False,
    skip_drain: Annotated[bool, typer.Option("--skip-drain", help="Do not cordon/drain first.")] = False,
    keep_node: Annotated[bool, typer.Option("--keep-node", help="Do not delete the Node object.")] = False,
    drain_timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for evictions.")] = 300.0,
    kubeconfig: Annotated[
        Path | None,
        typer.Option(help="Kubeconfig (default: fetched from the master).", envvar="WASTECTL_KUBECONFIG"),
    ] = None,
    root_prefix: Annotated[str, typer.Option(hidden=True, envvar="WASTECTL_ROOT_PREFIX")] = "",
    output: OutputOption = OutputFormat.table,
) -> int:
    """Reset NODE (or every node) like `kubeadm reset` plus the cleanup kubeadm leaves behind.

    Order per node: cordon + drain through the Kubernetes API, then over SSH: kubeadm reset -f,
    remove /etc/kubernetes /var/lib/etcd /var/lib/kubelet CNI config/binaries ~/.kube, delete
    cni0/flannel.1/tunl0/vxlan.calico, flush iptables and IPVS, remove containers/images, restart
    containerd; then the ResetLeftovers check and deletion of the Node object. `all` resets the
    workers before the master. Asks to type the node (or cluster) name unless --yes.
    """
    from wastectl.fleet.reset import reset_steps

    inventory = fleet.resolve()
    nodes = _order(inventory, target)
    printer = Printer("reset", output)
    use_api = not (skip_drain and keep_node)
    steps = reset_steps(root_prefix)  # "{node}" in the (test-only) prefix is filled per node
    if dry_run:
        return _dry_run(
            printer, inventory, nodes, steps, use_api=use_api, skip_drain=skip_drain, keep_node=keep_node
        )
    if not yes:
        what = (
            f"ALL {len(nodes)} nodes of cluster {inventory.cluster}" if target == "all" else f"node {target}"
        )
        _confirm(inventory.cluster if target == "all" else nodes[0].name, what, printer)
    kube = None
    if use_api:
        from wastectl.health.model import Layer
        from wastectl.health.runner import HealthOptions, open_kube

        try:
            kube = open_kube(
                inventory,
                HealthOptions(
                    layers=frozenset({Layer.cluster}),
                    ignore=frozenset(),
                    kubeconfig=kubeconfig,
                    accept_new=fleet.accept_new,
                    root_prefix=root_prefix,
                ),
            )
        except WastectlError as exc:
            raise WastectlError(
                f"cannot reach the Kubernetes API to drain: {exc.message}",
                hint="use --skip-drain --keep-node to reset without the API",
            ) from None
    try:
        reports = [
            _reset_node(
                printer,
                inventory,
                node,
                kube,
                fleet.accept_new,
                skip_drain=skip_drain,
                keep_node=keep_node,
                drain_timeout=drain_timeout,
                root_prefix=root_prefix,
            )
            for node in nodes
        ]
    finally:
        if kube is not None:
            kube.close()
    return _summary(printer, reports)


def _dry_run(
    printer: Printer,
    inventory: Inventory,
    nodes: list[Node],
    steps: list[Any],
    *,
    use_api: bool,
    skip_drain: bool,
    keep_node: bool,
) -> int:
    plan = []
    for node in nodes:
        actions = []
        if not skip_drain:
            actions += [
                f"PATCH /api/v1/nodes/<{node.name}> spec.unschedulable=true (cordon)",
                f"evict every non-DaemonSet pod on {node.name} (POST .../pods/<pod>/eviction)",
            ]
        delete = [] if keep_node else [f"DELETE /api/v1/nodes/<{node.name}>"]
        if node.is_control_plane:
            actions += delete
        actions += [f"ssh {node.ssh.user}@{node.host}:{node.ssh.port}: {step.command}" for step in steps]
        actions.append(f"verify ResetLeftovers on {node.name}")
        if not node.is_control_plane:
            actions += delete
        plan.append({"node": node.name, "role": node.role, "actions": actions})

    def render(p: Printer) -> None:
        p.out.print(
            f"[dry-run] reset of {len(nodes)} node(s) in cluster {inventory.cluster}; nothing is changed",
            markup=False,
        )
        for entry in plan:
            p.out.print(f"{entry['node']} ({entry['role']}):", markup=False)
            for number, action in enumerate(entry["actions"], 1):
                p.out.print(f"  {number:>2}. {action}", markup=False)

    printer.result({"dry_run": True, "api": use_api, "nodes": plan}, render)
    return int(ExitCode.OK)


def _reset_node(
    printer: Printer,
    inventory: Inventory,
    node: Node,
    kube: KubeClient | None,
    accept_new: bool,
    *,
    skip_drain: bool,
    keep_node: bool,
    drain_timeout: float,
    root_prefix: str,
) -> NodeReport:
    from rich.markup import escape

    from wastectl.fleet.knownhosts import known_hosts_path
    from wastectl.fleet.reset import leftovers, reset_steps, run_steps
    from wastectl.fleet.ssh import Connection
    from wastectl.health.cluster import match_nodes
    from wastectl.kube import drain as k8s

    report = NodeReport(node.name)

    def say(message: str) -> None:
        printer.info(escape(message))

    root_prefix = root_prefix.replace("{node}", node.name)
    try:
        api_name = None
        if kube is not None:
            item = match_nodes(kube.items("/api/v1/nodes"), inventory).get(node.name)
            api_name = item["metadata"]["name"] if item else None
            if api_name is None:
                say(f"[{node.name}] no Node object registered; skipping drain and delete")
        if kube is not None and api_name and not skip_drain:
            say(f"[{node.name}] cordon {api_name}")
            k8s.cordon(kube, api_name)
            say(f"[{node.name}] drain {api_name}")
            report.evicted = k8s.drain(kube, api_name, timeout=drain_timeout, say=say)
        if kube is not None and api_name and not keep_node and node.is_control_plane:
            report.node_deleted = k8s.delete_node(kube, api_name)  # before the API server goes away
        with Connection(
            node,
            known_hosts=known_hosts_path(inventory.cluster),
            accept_new=accept_new,
            cluster=inventory.cluster,
            selector=inventory.selector_args,
        ) as conn:
            results = run_steps(
                conn, reset_steps(root_prefix), lambda step: say(f"[{node.name}] {step.title}")
            )
            for result in results:
                report.steps.append(
                    {"step": result.title, "exit_status": result.exit_status, "output": result.output[-2000:]}
                )
                if result.exit_status != 0:
                    say(f"[{node.name}] {result.title}: exit {result.exit_status}: {result.output[-300:]}")
            report.leftovers = leftovers(conn, root_prefix)
        if report.leftovers:
            report.error = "ResetLeftovers: " + "; ".join(report.leftovers)
            return report
        if kube is not None and api_name and not keep_node and not node.is_control_plane:
            say(f"[{node.name}] delete Node {api_name}")
            report.node_deleted = k8s.delete_node(kube, api_name)
        report.ok = True
    except WastectlError as exc:
        report.error = exc.message
    return report


def _summary(printer: Printer, reports: list[NodeReport]) -> int:
    ok = [r for r in reports if r.ok]
    data = {"nodes": [r.__dict__ for r in reports], "succeeded": len(ok), "failed": len(reports) - len(ok)}

    def render(p: Printer) -> None:
        from rich.text import Text

        for r in reports:
            for leftover in r.leftovers:
                p.out.print(
                    Text("[ERROR ResetLeftovers]", style="bold red") + Text(f": {r.node}: {leftover}")
                )
            if r.error and not r.leftovers:
                p.out.print(Text("[ERROR Reset]", style="bold red") + Text(f": {r.node}: {r.error}"))
        p.table(
            "reset summary",
            ["node", "result", "evicted", "Node deleted", "error"],
            [
                (
                    r.node,
                    "ok" if r.ok else "FAILED",
                    len(r.evicted),
                    "yes" if r.node_deleted else "no",
                    r.error or "",
                )
                for r in reports
            ],
        )

    printer.result(data, render, ok=len(ok) == len(reports))
    if len(ok) == len(reports):
        return int(ExitCode.OK)
    return int(ExitCode.FAILURE if not ok or len(reports) == 1 else ExitCode.PARTIAL)
