"""`wastectl rebuild`: preflight, infra, wait, bootstrap, verify; resumable, one state file per cluster."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wastectl.deploy.cli import DEFAULT_CHART, NamespaceOption, ReleaseOption
from wastectl.errors import UsageError
from wastectl.exitcodes import ExitCode
from wastectl.fleet.cli import FleetArgs, fleet_options
from wastectl.output import ErrorEntry, OutputFormat, OutputOption, Printer
from wastectl.rebuild.state import Stage

if TYPE_CHECKING:
    from wastectl.rebuild.pipeline import Step
    from wastectl.rebuild.stages import StageFailed
    from wastectl.rebuild.state import RebuildState

DEPLOY = "Deploy stage"
DEFAULT_ENV = Path(__file__).resolve().parents[2] / "terraform" / "envs" / "prod"


def _resume_command(argv: list[str]) -> str:
    """The same command line without --from/--only/--dry-run: the next run resumes by itself."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("--from", "--only"):
            skip = True
            continue
        if arg.startswith(("--from=", "--only=")) or arg == "--dry-run":
            continue
        out.append(arg)
    return "wastectl " + " ".join(shlex.quote(a) for a in out)


@fleet_options
def rebuild(
    *,
    invocation: typer.Context,
    fleet: FleetArgs,
    from_: Annotated[
        Stage | None, typer.Option("--from", help="Run from this stage on.", case_sensitive=False)
    ] = None,
    only: Annotated[
        Stage | None, typer.Option("--only", help="Run just this stage.", case_sensitive=False)
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; change and call nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="No prompts (the old auto-rebuild).")] = False,
    env_dir: Annotated[
        Path | None,
        typer.Option(
            "--env-dir", help="Terraform environment (default terraform/envs/prod).", envvar="WASTECTL_TF_ENV"
        ),
    ] = None,
    no_infra: Annotated[
        bool, typer.Option("--no-infra", help="Nodes not made by us: no Terraform (use --inventory).")
    ] = False,
    extra_vars: Annotated[
        list[str] | None, typer.Option("--extra-vars", "-e", help="KEY=VALUE or @vars.yml for site.yml.")
    ] = None,
    wait_timeout: Annotated[float, typer.Option(min=1, help="Seconds the wait stage polls nodes.")] = 600.0,
    verify_timeout: Annotated[float, typer.Option(min=1, help="Seconds verify polls health.")] = 300.0,
    verify_layer: Annotated[
        list[str] | None, typer.Option("--verify-layer", help="Health layers for verify (node/cluster/app).")
    ] = None,
    verify_ignore: Annotated[
        list[str] | None, typer.Option("--verify-ignore", help="Health check IDs verify ignores (a,b).")
    ] = None,
    poll_interval: Annotated[float, typer.Option(min=0.1, help="Seconds between polls.", hidden=True)] = 2.0,
    no_deploy: Annotated[
        bool, typer.Option("--no-deploy", help="Leave the app out: the cluster only.", rich_help_panel=DEPLOY)
    ] = False,
    tag: Annotated[
        str | None, typer.Option("--tag", help="Image tag (default: HEAD's SHA).", rich_help_panel=DEPLOY)
    ] = None,
    values: Annotated[
        list[Path] | None,
        typer.Option("--values", "-f", help="Values file (repeatable, later wins).", rich_help_panel=DEPLOY),
    ] = None,
    sets: Annotated[
        list[str] | None, typer.Option("--set", help="key=value, as helm --set.", rich_help_panel=DEPLOY)
    ] = None,
    chart: Annotated[
        Path, typer.Option("--chart", help="Chart dir.", envvar="WASTECTL_CHART", rich_help_panel=DEPLOY)
    ] = DEFAULT_CHART,
    skip_image_check: Annotated[
        bool,
        typer.Option("--skip-image-check", help="Do not ask the registry.", rich_help_panel=DEPLOY),
    ] = False,
    deploy_timeout: Annotated[
        float, typer.Option(min=1, help="Seconds the rollout may take.", rich_help_panel=DEPLOY)
    ] = 600.0,
    namespace: NamespaceOption = None,
    release: ReleaseOption = None,
    output: OutputOption = OutputFormat.table,
) -> int:
    """Rebuild the cluster in named stages, resuming where the last run stopped.

    Stages: preflight (tools, AWS identity, SSH key, configuration; every problem at once) ->
    infra (Terraform plan + apply) -> wait (EC2 status checks, SSH on every node; polled) ->
    bootstrap (site.yml) -> deploy (the app's Helm release, --wait --atomic) -> verify
    (health --wait). The state file
    $XDG_STATE_HOME/wastectl/clusters/<cluster>/rebuild.json keeps each stage's result, timing and
    inputs: a finished stage is skipped unless its inputs changed; a failure names the stage,
    shows the tool's output tail and the command to resume.

    Examples:
      wastectl rebuild --cluster sesacthon --yes
      wastectl rebuild --dry-run
      wastectl rebuild --from bootstrap
      wastectl rebuild --no-infra --inventory nodes.yaml --only verify
      wastectl rebuild --cluster sesacthon --yes --tag 3f2c1d0 -f prod-values.yaml
      wastectl rebuild --no-deploy                # the cluster only, no app
    """
    from rich.markup import escape

    from wastectl.cluster.inventory import cluster_dir
    from wastectl.cluster.service import parse_extra_vars
    from wastectl.guard import require_named_cluster, require_same_cluster
    from wastectl.rebuild.deploy_stage import check_deploy_inputs
    from wastectl.rebuild.pipeline import execute, plan
    from wastectl.rebuild.stages import Context, DeploySpec, StageFailed
    from wastectl.rebuild.state import RebuildState, Status

    if from_ is not None and only is not None:
        raise UsageError("give --from or --only, not both")
    printer = Printer("rebuild", output)
    cluster = fleet.inventory.cluster
    require_named_cluster(invocation, yes=yes and not dry_run, command="rebuild")
    if fleet.inventory.inventory_file is not None:
        inventory = fleet.resolve()
        require_same_cluster(
            requested=cluster,
            actual=inventory.cluster,
            source=f"the inventory ({inventory.source})",
            command="rebuild",
        )
    layers = tuple(x.strip() for raw in verify_layer or [] for x in raw.split(",") if x.strip())
    bad = [x for x in layers if x not in ("node", "cluster", "app")]
    if bad:
        raise UsageError(f"unknown --verify-layer {', '.join(bad)}", hint="node, cluster or app")
    ctx = Context(
        cluster=cluster,
        fleet=fleet,
        env_dir=None if no_infra else (env_dir or DEFAULT_ENV),
        console=None if printer.json else printer.err,
        extra_vars=parse_extra_vars(extra_vars),
        wait_timeout=wait_timeout,
        poll_interval=poll_interval,
        verify_timeout=verify_timeout,
        verify_layers=layers,
        verify_ignore=tuple(x.strip() for raw in verify_ignore or [] for x in raw.split(",") if x.strip()),
        deploy=None
        if no_deploy
        else DeploySpec(
            chart=chart.resolve(),
            values=tuple(values or ()),
            sets=tuple(sets or ()),
            tag=tag,
            release=release,
            namespace=namespace,
            check_image=not skip_image_check,
            timeout=deploy_timeout,
        ),
    )
    state = RebuildState.load(cluster, cluster_dir(cluster) / "rebuild.json")
    steps = plan(state, ctx, from_=from_, only=only)
    if ctx.deploy is not None and any(s.stage is Stage.deploy and s.run for s in steps):
        check_deploy_inputs(ctx.deploy)  # a bad -f/--set/--chart: exit 2 now, not after bootstrap
    rows = [[s.stage, "run" if s.run else "skip", s.reason] for s in steps]
    if dry_run:
        printer.result(
            {
                "cluster": cluster,
                "state_file": str(state.path),
                "plan": [{"stage": s.stage, "run": s.run, "reason": s.reason} for s in steps],
            },
            lambda p: p.table(
                f"rebuild plan for {cluster} (dry run: nothing runs)", ["stage", "action", "why"], rows
            ),
        )
        return int(ExitCode.OK)
    if not printer.json:
        printer.table(f"rebuild plan for {cluster}", ["stage", "action", "why"], rows)
    if not any(s.run for s in steps):
        printer.info(
            "nothing to do: every stage is done and its inputs are unchanged (use --from STAGE to redo)"
        )
        return int(ExitCode.OK)
    if ctx.env_dir is not None and any(s.stage is Stage.infra and s.run for s in steps) and not yes:
        from wastectl.infra.options import confirm

        confirm(
            printer,
            f"The infra stage applies Terraform changes to cluster {cluster!r} (resources may be replaced).",
            expected=cluster,
        )
    resume = _resume_command(sys.argv[1:] if sys.argv[1:2] == ["rebuild"] else ["rebuild"])
    failed: StageFailed | None = None
    try:
        execute(state, ctx, steps, command=resume)
    except StageFailed as exc:
        failed = exc
    except KeyboardInterrupt:
        running = next((s for s in steps if state.record(s.stage).status is Status.interrupted), None)
        where = f" in stage {running.stage}" if running else ""
        printer.info(f"interrupted{where}; state saved to {state.path}. Resume: {escape(resume)}")
        return int(ExitCode.INTERRUPTED)
    return _report(printer, state, steps, failed, resume)


def _report(
    printer: Printer, state: RebuildState, steps: list[Step], failed: StageFailed | None, resume: str
) -> int:
    """Per-stage and total times, and for a failure: the stage, the tool's tail, the resume command."""
    from rich.markup import escape

    from wastectl.rebuild.state import Status

    timing = []
    for step in steps:
        record = state.record(step.stage)
        shown = f"{record.duration_s or 0:.1f}s" if step.run else "-"
        timing.append([step.stage, record.status, shown, record.message or ""])
    total = state.runs[-1].get("total_s", 0.0) if state.runs else 0.0
    failed_stage = next((s.stage for s in steps if state.record(s.stage).status is Status.failed), None)

    def render(p: Printer) -> None:
        p.table(
            f"rebuild {state.cluster}: {total:.1f}s in total", ["stage", "status", "time", "result"], timing
        )
        if failed is not None:
            p.err.print(f"[red]stage {failed_stage} failed:[/red] {escape(failed.message)}", highlight=False)
            if failed.tail:
                p.err.print(escape(failed.tail), highlight=False)
            p.info(f"fix the cause, then resume with: {escape(resume)}")
        p.info(f"state file: {state.path}")

    errors = (
        [ErrorEntry(failed.message, target=failed_stage, code="StageFailed", hint=resume)] if failed else []
    )
    printer.result(state.as_dict(), render, ok=failed is None, errors=errors)
    return int(ExitCode.OK if failed is None else ExitCode.FAILURE)
