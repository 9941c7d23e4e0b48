"""`wastectl ssh`, `wastectl exec` and `wastectl known-hosts`: reach the nodes over verified SSH."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from wastectl.errors import UsageError
from wastectl.exitcodes import ExitCode
from wastectl.fleet.cli import FleetArgs, fleet_options
from wastectl.fleet.dashdash import remote_command
from wastectl.output import ErrorEntry, OutputFormat, OutputOption, Printer, StreamOutputOption

SSH_EXAMPLES = """
Examples:

  wastectl ssh master                               # interactive shell
  wastectl ssh worker-1 -- sudo systemctl status kubelet
  echo hi | wastectl ssh master -- cat              # stdin is forwarded
  wastectl ssh master -- bash -s < fix-node.sh      # run a local script
  wastectl ssh master -t -- sudo crictl ps -a | less
  wastectl ssh worker-1 --jump ubuntu@bastion:22 --accept-new -- uptime
"""

EXEC_EXAMPLES = """
Examples:

  wastectl exec --all -- uptime
  wastectl exec --role worker --timeout 30 -- sudo systemctl restart kubelet
  wastectl exec worker-1 worker-2 --forks 1 -o json -- 'df -h /'
"""

KNOWN_HOSTS_EXAMPLES = """
Examples:

  wastectl known-hosts list --cluster sesacthon
  wastectl known-hosts forget worker-1 --inventory inventory.yaml
  wastectl known-hosts fetch --all --source ec2
"""


known_hosts_app = typer.Typer(
    help="The per-cluster known_hosts file wastectl verifies host keys with.",
    no_args_is_help=True,
    epilog=KNOWN_HOSTS_EXAMPLES,
)


def _command_line(parts: list[str]) -> str:
    """One argument is passed as written (a shell snippet); several are joined like ssh does."""
    return parts[0] if len(parts) == 1 else " ".join(parts)


@fleet_options
def ssh(
    ctx: typer.Context,
    *,
    fleet: FleetArgs,
    node: Annotated[str, typer.Argument(help="Node name (see `wastectl nodes`).")],
    tty: Annotated[bool, typer.Option("--tty/--no-tty", "-t", help="Force a pty for CMD.")] = False,
    output: StreamOutputOption = OutputFormat.table,
) -> int:
    """Open a shell on NODE, or run one command: `wastectl ssh NODE -- CMD`.

    The remote exit status is passed through. Host keys are verified against the cluster's
    known_hosts; use --accept-new the first time.
    """
    from wastectl.fleet.interactive import run_streaming, shell
    from wastectl.nodes.knownhosts import known_hosts_path
    from wastectl.nodes.ssh import Connection

    inventory = fleet.resolve()
    target = inventory.get(node)
    command = remote_command(ctx)
    with Connection(
        target,
        known_hosts=known_hosts_path(inventory.cluster),
        accept_new=fleet.accept_new,
        cluster=inventory.cluster,
        selector=inventory.selector_args,
    ) as conn:
        try:
            if command:
                return run_streaming(conn, _command_line(command), pty=tty)
            return shell(conn)
        except KeyboardInterrupt:
            return int(ExitCode.INTERRUPTED)


@fleet_options
def exec_(
    ctx: typer.Context,
    *,
    fleet: FleetArgs,
    names: Annotated[list[str] | None, typer.Argument(metavar="[NODE]...", help="Nodes to run on.")] = None,
    all_nodes: Annotated[bool, typer.Option("--all", "-a", help="Every node.")] = False,
    role: Annotated[str | None, typer.Option("--role", "-r", help="Every node with this role.")] = None,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", min=0.1, help="Seconds per node for CMD; then it is stopped (exit 124)."),
    ] = None,
    forks: Annotated[int, typer.Option("--forks", "-f", min=1, max=256, help="Nodes at a time.")] = 32,
    output: OutputOption = OutputFormat.table,
) -> int:
    """Run `-- CMD` on many nodes in parallel, with per-node output, exit codes and a summary.

    Exit 0 when every node succeeded, 3 when some failed, 1 when all failed, 130 on Ctrl-C
    (remote commands are terminated and the summary is still printed). --timeout stops CMD on
    a node after that many seconds (exit 124 for it); --forks bounds how many nodes run at once.
    """
    import threading

    from wastectl.nodes.knownhosts import known_hosts_path
    from wastectl.nodes.parallel import ExecOutcome, exec_on_node, map_nodes

    command = remote_command(ctx)
    if not command:
        raise UsageError("no command given", hint="wastectl exec --all -- uptime")
    inventory = fleet.resolve()
    chosen = inventory.select(names or [], all_nodes=all_nodes, role=role)
    printer = Printer("exec", output)
    stop = threading.Event()
    lock = threading.Lock()
    width = max(len(node.name) for node in chosen)

    def on_line(name: str, line: str) -> None:
        if not printer.json:
            with lock:
                sys.stdout.write(f"[{name:<{width}}] {line}\n")
                sys.stdout.flush()

    def work(node: Any) -> ExecOutcome:
        return exec_on_node(
            node,
            _command_line(command),
            known_hosts=known_hosts_path(inventory.cluster),
            accept_new=fleet.accept_new,
            cluster=inventory.cluster,
            stop=stop,
            on_line=on_line,
            selector=inventory.selector_args,
            timeout=timeout,
        )

    outcomes = map_nodes(chosen, work, stop=stop, forks=forks)
    return _summarise(printer, outcomes, interrupted=stop.is_set())


def _summarise(printer: Printer, outcomes: list[Any], *, interrupted: bool) -> int:
    ok = [o for o in outcomes if o.exit_status == 0]
    data = {
        "interrupted": interrupted,
        "nodes": [
            {
                "node": o.node,
                "exit_status": o.exit_status,
                "seconds": round(o.seconds, 3),
                "error": o.error,
                "output": o.output,
            }
            for o in outcomes
        ],
        "succeeded": len(ok),
        "failed": len(outcomes) - len(ok),
    }

    def render(p: Printer) -> None:
        rows = []
        for o in outcomes:
            status = "interrupted" if o.interrupted else ("ok" if o.exit_status == 0 else "FAILED")
            rows.append(
                (
                    o.node,
                    status,
                    "" if o.exit_status is None else o.exit_status,
                    f"{o.seconds:.2f}s",
                    o.error or "",
                )
            )
        p.err.print()
        from rich.table import Table

        table = Table(title="exec summary", title_justify="left", header_style="bold")
        for column in ("node", "result", "exit", "time", "error"):
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(cell) for cell in row))
        p.err.print(table)
        p.err.print(f"{len(ok)}/{len(outcomes)} node(s) succeeded")

    failed = [o for o in outcomes if o.exit_status != 0]
    errors = [
        ErrorEntry(
            o.error or f"exit {o.exit_status}", target=o.node, code="interrupted" if o.interrupted else None
        )
        for o in failed
    ]
    printer.result(data, render, ok=not failed, errors=errors)
    if interrupted:
        return int(ExitCode.INTERRUPTED)
    if len(ok) == len(outcomes):
        return int(ExitCode.OK)
    return int(ExitCode.FAILURE if not ok else ExitCode.PARTIAL)


@known_hosts_app.command("forget", epilog=KNOWN_HOSTS_EXAMPLES)
@fleet_options
def forget(
    fleet: FleetArgs,
    node: Annotated[str, typer.Argument(help="Node whose key to forget.")],
    output: OutputOption = OutputFormat.table,
) -> None:
    """Forget NODE's recorded host key (after a rebuild); the next connect needs --accept-new."""
    from wastectl.nodes.knownhosts import forget as forget_entries
    from wastectl.nodes.knownhosts import host_entry, known_hosts_path

    inventory = fleet.resolve()
    target = inventory.get(node)
    path = known_hosts_path(inventory.cluster)
    names = {host_entry(target.host, target.ssh.port), target.host}
    removed = forget_entries(path, names)
    from rich.markup import escape

    data = {"node": target.name, "names": sorted(names), "removed": removed, "file": str(path)}
    Printer("known-hosts forget", output).result(
        data,
        lambda p: p.info(
            escape(f"forgot {removed} key(s) for node {target.name} ({', '.join(sorted(names))}) in {path}")
        ),
    )


@known_hosts_app.command("fetch", epilog=KNOWN_HOSTS_EXAMPLES)
@fleet_options
def fetch(
    *,
    fleet: FleetArgs,
    names: Annotated[
        list[str] | None, typer.Argument(metavar="[NODE]...", help="Nodes (default: --all).")
    ] = None,
    all_nodes: Annotated[bool, typer.Option("--all", "-a", help="Every node.")] = False,
    output: OutputOption = OutputFormat.table,
) -> int:
    """Record host keys read from the EC2 console output (cloud-init), replacing older ones.

    The console is out of band, so this is safer than --accept-new on first contact.
    """
    from rich.markup import escape

    from wastectl.errors import WastectlError
    from wastectl.fleet.consolekeys import fetch_keys
    from wastectl.nodes.knownhosts import append, host_entry, known_hosts_path
    from wastectl.nodes.knownhosts import forget as forget_entries

    inventory = fleet.resolve()
    chosen = inventory.select(names or [], all_nodes=all_nodes or not names)
    path = known_hosts_path(inventory.cluster)
    printer = Printer("known-hosts fetch", output)
    failed: list[ErrorEntry] = []
    recorded: list[dict[str, object]] = []
    for node in chosen:
        try:
            keys = fetch_keys(node, fleet.inventory)
        except WastectlError as exc:
            failed.append(ErrorEntry(exc.message, target=node.name, hint=exc.hint))
            printer.info(escape(f"{node.name}: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")))
            continue
        entry = host_entry(node.host, node.ssh.port)
        forget_entries(path, {entry})
        for key_type, blob in keys:
            append(path, f"{entry} {key_type} {blob}")
        recorded.append({"node": node.name, "entry": entry, "keys": len(keys)})
        printer.info(escape(f"{node.name}: recorded {len(keys)} key(s) for {entry} from {node.instance_id}"))
    data = {"file": str(path), "recorded": recorded, "failed": [e.target for e in failed]}
    printer.result(data, lambda _p: None, ok=not failed, errors=failed)
    if failed:
        return int(ExitCode.FAILURE if len(failed) == len(chosen) else ExitCode.PARTIAL)
    return int(ExitCode.OK)


@known_hosts_app.command("list", epilog=KNOWN_HOSTS_EXAMPLES)
@fleet_options
def list_(fleet: FleetArgs, output: OutputOption = OutputFormat.table) -> None:
    """Show the host keys recorded for the cluster."""
    from wastectl.nodes.knownhosts import entries, known_hosts_path

    cluster = fleet.inventory.cluster
    path = known_hosts_path(cluster)
    rows = entries(path)
    data = {
        "cluster": cluster,
        "file": str(path),
        "keys": [{"host": h, "type": t, "fingerprint": f} for h, t, f in rows],
    }
    Printer("known-hosts list", output).result(
        data, lambda p: p.table(str(path), ["host", "type", "fingerprint"], rows)
    )
