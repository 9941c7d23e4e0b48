"""`wastectl deploy [--plan]`, `wastectl deploy history` and `wastectl rollback [REVISION]`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wastectl.deploy.cli import (
    DEFAULT_CHART,
    PANEL,
    ContextOption,
    KubeconfigOption,
    NamespaceOption,
    ReleaseOption,
)
from wastectl.exitcodes import ExitCode
from wastectl.output import ErrorEntry, OutputFormat, OutputOption, Printer

if TYPE_CHECKING:
    from wastectl.deploy.model import DeployResult, ResourceChange, Revision

app = typer.Typer(help="Install or upgrade the app's Helm release.", rich_markup_mode="rich")

EXAMPLES = """

Examples:

  wastectl deploy --plan                      # what would change, nothing is applied

  wastectl deploy --tag 3f2c1d0 --wait        # upgrade, follow the rollout

  wastectl deploy -f prod.yaml --set api.replicas=3 --atomic --timeout 10m

  wastectl deploy history -o json
"""


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="deploy", rich_help_panel=PANEL)
    from wastectl.commands import logs as logs_cmd
    from wastectl.commands import status as status_cmd

    root.command("rollback", rich_help_panel=PANEL)(rollback)
    root.command("status", rich_help_panel=PANEL)(status_cmd.status)
    root.command("logs", rich_help_panel=PANEL)(logs_cmd.logs)


@app.callback(
    invoke_without_command=True, help="Install or upgrade the release through the Helm SDK." + EXAMPLES
)
def deploy(
    ctx: typer.Context,
    *,
    tag: Annotated[
        str | None, typer.Option("--tag", help="Image tag (default: the current commit's SHA).")
    ] = None,
    values: Annotated[
        list[Path] | None, typer.Option("--values", "-f", help="Values file (repeatable, later wins).")
    ] = None,
    sets: Annotated[
        list[str] | None, typer.Option("--set", help="key=value (repeatable), as helm --set.")
    ] = None,
    plan: Annotated[
        bool, typer.Option("--plan", help="Show what would change per resource; change nothing.")
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until every Deployment is ready, showing progress.")
    ] = False,
    atomic: Annotated[
        bool, typer.Option("--atomic", help="Roll back automatically if the deploy fails (implies --wait).")
    ] = False,
    timeout: Annotated[str, typer.Option("--timeout", help="Give up after this long, e.g. 90s, 5m.")] = "5m",
    chart: Annotated[
        Path, typer.Option("--chart", help="Chart directory.", envvar="WASTECTL_CHART")
    ] = DEFAULT_CHART,
    skip_image_check: Annotated[
        bool, typer.Option("--skip-image-check", help="Do not ask the registry whether the tag exists.")
    ] = False,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    namespace: NamespaceOption = None,
    release: ReleaseOption = None,
    output: OutputOption = OutputFormat.table,
) -> int | None:
    if ctx.invoked_subcommand is not None:
        ctx.obj = (kubeconfig, context, namespace, release)
        return None
    from rich.markup import escape

    from wastectl.deploy.rollout import RolloutWatch
    from wastectl.deploy.service import DeployRequest, prepare
    from wastectl.deploy.service import deploy as run_deploy
    from wastectl.deploy.service import plan as run_plan
    from wastectl.deploy.target import Target
    from wastectl.deploy.values import build_values
    from wastectl.health.report import parse_duration

    seconds = parse_duration(timeout)
    built = build_values(list(values or []), list(sets or []), tag)
    target = Target.resolve(kubeconfig, context, namespace, release)
    request = DeployRequest(
        chart.resolve(), built, wait=wait, atomic=atomic, timeout=seconds, check_image=not skip_image_check
    )
    printer = Printer("deploy plan" if plan else "deploy", output)
    if plan:
        changes, revisions = run_plan(target, request)
        for warning in request.warnings:
            printer.info(escape(f"warning: {warning}"))
        data = {
            "release": target.release,
            "namespace": target.namespace,
            "current_revision": revisions[-1].revision if revisions else None,
            "image_tag": (built.get("image") or {}).get("tag"),
            "changes": [c.as_dict() for c in changes],
        }
        printer.result(data, lambda p: _render_plan(p, target.release, changes, revisions))
        return int(ExitCode.OK)
    prepare(target, request)  # local checks and the registry, before the first word to the cluster
    request.check_image = False
    for warning in request.warnings:
        printer.info(escape(f"warning: {warning}"))
    watch = (
        RolloutWatch(target, lambda line: printer.info(escape(f"[rollout] {line}")))
        if wait or atomic
        else None
    )
    printer.info(
        escape(
            f"deploying {target.release} to namespace {target.namespace} (tag {built['image']['tag']}) ..."
        )
    )
    result = run_deploy(target, request, progress=None if printer.json else watch)
    printer.result(
        result.as_dict(),
        lambda p: _render_result(p, result),
        ok=result.error is None,
        errors=[ErrorEntry(result.error)] if result.error else [],
    )
    return int(ExitCode.OK if result.error is None else ExitCode.FAILURE)


@app.command("history")
def history_cmd(
    ctx: typer.Context,
    *,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    namespace: NamespaceOption = None,
    release: ReleaseOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Revisions of the release: time, chart version, image tag and status (oldest first).

    Examples:

      wastectl deploy history

      wastectl deploy history -o json | jq '.data.revisions[-1]'
    """
    from wastectl.deploy.service import history
    from wastectl.deploy.target import Target

    group = ctx.obj or (None, None, None, None)
    target = Target.resolve(
        kubeconfig or group[0], context or group[1], namespace or group[2], release or group[3]
    )
    revisions = history(target)
    Printer("deploy history", output).result(
        {
            "release": target.release,
            "namespace": target.namespace,
            "revisions": [r.as_dict() for r in revisions],
        },
        lambda p: _render_history(p, target.release, revisions),
    )


def rollback(  # noqa: PLR0917 - a Typer command: the CLI's argument and options
    revision: Annotated[
        int | None, typer.Argument(help="Revision to return to (default: the previous good one).", min=1)
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait until every Deployment is ready.")] = False,
    timeout: Annotated[str, typer.Option("--timeout", help="Give up after this long, e.g. 90s, 5m.")] = "5m",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    namespace: NamespaceOption = None,
    release: ReleaseOption = None,
    output: OutputOption = OutputFormat.table,
) -> int:
    """Roll the release back to REVISION (a new revision is recorded). Also the fix for a stuck release.

    Examples:

      wastectl rollback            # to the previous good revision

      wastectl rollback 3 --wait -y
    """
    import sys

    from rich.markup import escape

    from wastectl.deploy.rollout import RolloutWatch
    from wastectl.deploy.service import rollback as run_rollback
    from wastectl.deploy.target import Target
    from wastectl.errors import UsageError
    from wastectl.health.report import parse_duration

    seconds = parse_duration(timeout)
    target = Target.resolve(kubeconfig, context, namespace, release)
    printer = Printer("rollback", output)
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("rollback changes the live release: confirm with --yes when not on a terminal")
        where = f"revision {revision}" if revision else "the previous good revision"
        if not typer.confirm(f"Roll {target.release} in {target.namespace} back to {where}?"):
            printer.info("nothing changed")
            return int(ExitCode.OK)
    watch = RolloutWatch(target, lambda line: printer.info(escape(f"[rollout] {line}"))) if wait else None
    result = run_rollback(target, revision, wait=wait, timeout=seconds, progress=watch)
    printer.result(
        result.as_dict(),
        lambda p: _render_result(p, result),
        ok=result.error is None,
        errors=[ErrorEntry(result.error)] if result.error else [],
    )
    return int(ExitCode.OK if result.error is None else ExitCode.FAILURE)


def _render_plan(p: Printer, release: str, changes: list[ResourceChange], revisions: list[Revision]) -> None:
    from rich.text import Text

    current = (
        f"revision {revisions[-1].revision} ({revisions[-1].status.value})" if revisions else "not installed"
    )
    p.out.print(Text(f"plan for release {release}, live: {current}", style="bold"))
    styles = {
        "add": ("+", "green"),
        "change": ("~", "yellow"),
        "remove": ("-", "red"),
        "unchanged": ("=", "dim"),
    }
    for change in changes:
        mark, style = styles[change.action.value]
        hook = " (hook)" if change.hook else ""
        p.out.print(Text(f"{mark} {change.kind}/{change.name}{hook}: {change.action.value}", style=style))
        for f in change.fields:
            old = "<unset>" if f.old is None else repr(f.old)
            new = "<removed>" if f.new is None else repr(f.new)
            p.out.print(Text(f"    {f.path}: {old} -> {new}"))
    counts = {k: sum(1 for c in changes if c.action.value == k) for k in ("add", "change", "remove")}
    p.out.print(
        Text(
            f"{counts['add']} to add, {counts['change']} to change, {counts['remove']} to remove; "
            "nothing was applied"
        )
    )


def _render_history(p: Printer, release: str, revisions: list[Revision]) -> None:
    p.table(
        f"Release {release}",
        ["revision", "updated", "status", "chart", "image tag", "description"],
        [
            (
                r.revision,
                r.updated,
                r.status.value,
                f"{r.chart}-{r.chart_version}",
                r.image_tag,
                r.description,
            )
            for r in revisions
        ],
    )


def _render_result(p: Printer, result: DeployResult) -> None:
    from rich.text import Text

    if result.error is None:
        p.out.print(
            Text(
                f"{result.action} of {result.release} done: revision {result.revision} "
                f"{result.status.value} in {result.seconds:g}s",
                style="green",
            )
        )
        return
    p.out.print(
        Text(
            f"{result.action} of {result.release} failed after {result.seconds:g}s: {result.error}",
            style="red",
        )
    )
    if result.rolled_back_to is not None and result.action != "rollback":
        p.out.print(Text(f"rolled back: revision {result.revision} is {result.status.value}", style="yellow"))
