"""`wastectl cluster bootstrap`: configure the nodes with site.yml (kubeadm, Calico, add-ons, data tier)."""

from __future__ import annotations

from typing import Annotated

import typer

from wastectl.exitcodes import ExitCode
from wastectl.fleet.cli import FleetArgs, fleet_options
from wastectl.output import ErrorEntry, OutputFormat, OutputOption, Printer

app = typer.Typer(no_args_is_help=True, help="Configure the cluster's nodes with Ansible (site.yml).")


@app.command("bootstrap")
@fleet_options
def bootstrap(
    *,
    fleet: FleetArgs,
    check: Annotated[bool, typer.Option("--check", help="Dry run: report what would change.")] = False,
    tags: Annotated[
        list[str] | None, typer.Option("--tags", help="Only tasks with these tags (repeatable, or a,b).")
    ] = None,
    limit: Annotated[str | None, typer.Option("--limit", help="Only these hosts (Ansible pattern).")] = None,
    start_at_task: Annotated[
        str | None, typer.Option("--start-at-task", help="Start at the task with this name.")
    ] = None,
    extra_vars: Annotated[
        list[str] | None,
        typer.Option("--extra-vars", "-e", help="KEY=VALUE or @vars.yml for site.yml (repeatable)."),
    ] = None,
    output: OutputOption = OutputFormat.table,
) -> int:
    """Build the inventory from the Terraform outputs (or the static inventory) and run site.yml.

    Shows the current play and task, per-host ok/changed/failed/unreachable counts and the elapsed
    time while it runs; a failed task is shown as host | task | message. The runner's artifacts
    (stdout, events) are kept as the run's log and their path printed. Host keys are checked
    against the cluster's known_hosts (`--accept-new` records unknown ones; changed keys fail).

    Examples:
      wastectl cluster bootstrap --tf-outputs outputs.json --accept-new
      wastectl cluster bootstrap --inventory nodes.yaml --check
      wastectl cluster bootstrap --limit worker-2 --start-at-task "Install containerd"
    """
    from wastectl.cluster.runner import BootstrapOptions
    from wastectl.cluster.service import bootstrap as run_bootstrap
    from wastectl.cluster.service import parse_extra_vars
    from wastectl.fleet.inventory import default_tf_outputs_path

    printer = Printer("cluster bootstrap", output)
    inventory = fleet.resolve()
    options = BootstrapOptions(
        check=check,
        tags=tuple(t.strip() for raw in tags or [] for t in raw.split(",") if t.strip()),
        limit=limit,
        start_at_task=start_at_task,
        extra_vars=parse_extra_vars(extra_vars),
        accept_new=fleet.accept_new,
        tf_outputs=fleet.inventory.tf_outputs or default_tf_outputs_path(inventory.cluster),
    )
    printer.info(f"site.yml on {len(inventory.nodes)} node(s) of {inventory.cluster} ({inventory.source})")
    try:
        result = run_bootstrap(inventory, options, None if printer.json else printer.err)
    except KeyboardInterrupt:
        printer.info("interrupted: the nodes may be part-way through site.yml; run it again to converge")
        return int(ExitCode.INTERRUPTED)
    errors = [ErrorEntry(f"{f.task}: {f.message}", target=f.host) for f in result.failures]
    if not result.ok and not errors:
        errors = [ErrorEntry(f"site.yml {result.status} (rc={result.rc})", hint=f"see {result.artifacts}")]

    def render(p: Printer) -> None:
        rows = [
            [h, c["ok"], c["changed"], c["failed"], c["unreachable"], c["skipped"]]
            for h, c in result.progress.totals().items()
        ]
        p.table("PLAY RECAP", ["host", "ok", "changed", "failed", "unreachable", "skipped"], rows)
        for failure in result.failures:
            p.err.print(f"[red]{failure.line()}[/red]", markup=True, highlight=False)
        if not result.ok and not result.failures:
            p.err.print(result.stdout_tail())
        verdict = "ok" if result.ok else f"failed ({result.status}, rc={result.rc})"
        p.info(f"{verdict} in {result.progress.elapsed:.1f}s; {result.changed_total()} change(s)")
        p.info(f"runner artifacts (the run's log): {result.artifacts}")
        if result.ok and result.kubeconfig.is_file():
            p.info(f"admin kubeconfig: {result.kubeconfig}")

    printer.result(result.as_dict(), render, ok=result.ok, errors=errors)
    return int(ExitCode.OK if result.ok else ExitCode.FAILURE)
