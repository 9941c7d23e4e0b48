"""`wastectl reset NODE|all`: drain, wipe Kubernetes off the node over SSH, verify, delete the Node.

The options, the confirmation and the report; the work is wastectl/reset/engine.py."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wastectl.errors import WastectlError
from wastectl.exitcodes import ExitCode
from wastectl.fleet.cli import FleetArgs, fleet_options
from wastectl.output import ErrorEntry, OutputFormat, OutputOption, Printer

if TYPE_CHECKING:
    from wastectl.nodes.model import Inventory
    from wastectl.reset.engine import NodeReport
    from wastectl.reset.preflight import Preflight


EXAMPLES = """
Examples:

  wastectl reset worker-1 --dry-run                 # every step, nothing touched
  wastectl reset worker-1                           # asks to type worker-1
  wastectl reset all --cluster sesacthon --yes      # workers first, then the master
  wastectl reset storage --skip-drain --keep-node   # no Kubernetes API needed
"""


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
    ctx: typer.Context,
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
    output: OutputOption = OutputFormat.table,
) -> int:
    """Reset NODE (or every node) like `kubeadm reset` plus the cleanup kubeadm leaves behind.

    First a preflight on EVERY target (SSH reachable, host key verified, sudo works, tools
    present): if one fails nothing is cordoned. Then per node: cordon + drain through the
    Kubernetes API (waiting until evicted pods are gone), then over SSH: kubeadm reset -f, remove
    /etc/kubernetes /var/lib/etcd /var/lib/kubelet CNI config/binaries ~/.kube, delete
    cni0/flannel.1/tunl0/vxlan.calico, flush iptables and IPVS, remove containers/images, restart
    containerd; then the ResetLeftovers check. The Node object is deleted only when every step
    exited 0 and the check passed; a failure after cordon prints the exact uncordon command.
    `all` resets the workers before the master. Asks to type the node (or cluster) name unless
    --yes; --yes needs --cluster NAME, which must be the inventory's cluster.
    """
    from rich.markup import escape

    from wastectl.guard import option_given, require_named_cluster, require_same_cluster
    from wastectl.reset import engine

    require_named_cluster(ctx, yes=yes and not dry_run, command="reset")
    inventory = fleet.resolve()
    if option_given(ctx, "cluster"):
        require_same_cluster(
            requested=fleet.inventory.cluster,
            actual=inventory.cluster,
            source=f"the inventory ({inventory.source})",
            command="reset",
        )
    nodes = engine.order(inventory, target)
    printer = Printer("reset", output)
    use_api = not (skip_drain and keep_node)
    uncordon = "kubectl" + (f" --kubeconfig {shlex.quote(str(kubeconfig))}" if kubeconfig else "")
    options = engine.ResetOptions(
        skip_drain=skip_drain, keep_node=keep_node, drain_timeout=drain_timeout, kubectl=uncordon
    )
    if dry_run:
        return _dry_run(printer, inventory, engine.plan(nodes, options), use_api=use_api)
    if not yes:
        what = (
            f"ALL {len(nodes)} nodes of cluster {inventory.cluster}" if target == "all" else f"node {target}"
        )
        _confirm(inventory.cluster if target == "all" else nodes[0].name, what, printer)
    kube = None
    if use_api:
        from wastectl.kube.connect import open_api

        try:
            kube = open_api(inventory, kubeconfig=kubeconfig, accept_new=fleet.accept_new)
        except WastectlError as exc:
            raise WastectlError(
                f"cannot reach the Kubernetes API to drain: {exc.message}",
                hint="use --skip-drain --keep-node to reset without the API",
            ) from None
    try:
        checks = engine.preflight_all(inventory, nodes, accept_new=fleet.accept_new)
        failed = [check for check in checks if not check.ok]
        if failed:
            for check in checks:
                if check.connection is not None:
                    check.connection.close()
            return _preflight_failed(printer, failed, len(nodes))

        def say(message: str) -> None:
            printer.info(escape(message))

        reports = []
        for node, check in zip(nodes, checks, strict=True):
            assert check.connection is not None
            with check.connection as conn:
                reports.append(engine.reset_node(inventory, node, kube, conn, options=options, say=say))
    finally:
        if kube is not None:
            kube.close()
    return _summary(printer, reports)


def _dry_run(printer: Printer, inventory: Inventory, plan: list[dict[str, Any]], *, use_api: bool) -> int:
    from wastectl.redact import redact

    def render(p: Printer) -> None:
        p.out.print(
            f"[dry-run] reset of {len(plan)} node(s) in cluster {inventory.cluster}; nothing is changed",
            markup=False,
        )
        for entry in plan:
            p.out.print(f"{entry['node']} ({entry['role']}):", markup=False)
            for number, action in enumerate(entry["actions"], 1):
                p.out.print(f"  {number:>2}. {redact(action)}", markup=False)

    printer.result({"dry_run": True, "api": use_api, "nodes": plan}, render)
    return int(ExitCode.OK)


def _preflight_failed(printer: Printer, failed: list[Preflight], total: int) -> int:
    from rich.text import Text

    data = {
        "preflight": [{"node": f.node, "problems": f.problems} for f in failed],
        "nodes": [],
        "succeeded": 0,
        "failed": total,
    }

    def render(p: Printer) -> None:
        for f in failed:
            for problem in f.problems:
                p.out.print(Text("[ERROR ResetPreflight]", style="bold red") + Text(f": {f.node}: {problem}"))
        p.out.print(
            Text(f"preflight failed on {len(failed)} of {total} node(s): nothing was cordoned or reset")
        )

    errors = [
        ErrorEntry(problem, target=f.node, code="ResetPreflight") for f in failed for problem in f.problems
    ]
    printer.result(data, render, ok=False, errors=errors)
    return int(ExitCode.FAILURE)


def _errors(reports: list[NodeReport]) -> list[ErrorEntry]:
    """The same findings the table shows, one entry each; the uncordon command is the hint."""
    errors = []
    for r in reports:
        hint = f"once fixed: {r.uncordon}" if r.uncordon else None
        found = [("ResetLeftovers", item) for item in r.leftovers] + [
            ("ResetStep", s) for s in r.failed_steps
        ]
        if r.error and not found:
            found = [("Reset", r.error)]
        errors += [ErrorEntry(message, target=r.node, code=code, hint=hint) for code, message in found]
    return errors


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
            for step in r.failed_steps:
                p.out.print(Text("[ERROR ResetStep]", style="bold red") + Text(f": {r.node}: {step}"))
            if r.error and not r.leftovers and not r.failed_steps:
                p.out.print(Text("[ERROR Reset]", style="bold red") + Text(f": {r.node}: {r.error}"))
            if r.uncordon:
                p.out.print(
                    Text(f"{r.node} is still cordoned; once fixed, put it back in service with: ")
                    + Text(r.uncordon, style="bold")
                )
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

    printer.result(data, render, ok=len(ok) == len(reports), errors=_errors(reports))
    if len(ok) == len(reports):
        return int(ExitCode.OK)
    return int(ExitCode.FAILURE if not ok or len(reports) == 1 else ExitCode.PARTIAL)
