"""`wastectl status [--watch]`: is the deployed app healthy? One screen; exit 1 when something is not."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from wastectl.deploy.cli import ContextOption, KubeconfigOption, NamespaceOption, ReleaseOption
from wastectl.errors import UsageError
from wastectl.exitcodes import ExitCode
from wastectl.output import ErrorEntry, OutputFormat, OutputOption, Printer

if TYPE_CHECKING:
    from rich.console import Group

    from wastectl.deploy.status import StatusReport


def status(
    *,
    watch: Annotated[
        bool, typer.Option("--watch", "-w", help="Redraw every --interval seconds until Ctrl-C (exit 130).")
    ] = False,
    interval: Annotated[float, typer.Option(min=0.5, help="Seconds between redraws with --watch.")] = 3.0,
    prometheus_url: Annotated[
        str | None,
        typer.Option(
            help="Prometheus base URL for the last hour's scan metrics.", envvar="WASTECTL_PROMETHEUS_URL"
        ),
    ] = None,
    api_url: Annotated[
        str | None, typer.Option(help="API base URL whose /metrics to read when there is no Prometheus.")
    ] = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    namespace: NamespaceOption = None,
    release: ReleaseOption = None,
    output: OutputOption = OutputFormat.table,
) -> int:
    """Release and revision; each Deployment ready/desired and image tag; pods with the reason of anything
    not ready; queue depths, DLQ sizes and Celery workers online; scan success rate and p95.

    Examples:

      wastectl status

      wastectl status --watch --prometheus-url http://prometheus:9090

      wastectl status -o json | jq .data.problems
    """
    import time

    from wastectl.deploy.status import gather
    from wastectl.deploy.target import Target

    if watch and output is OutputFormat.json:
        raise UsageError("--watch draws a screen for people; drop it with -o json")
    target = Target.resolve(kubeconfig, context, namespace, release)
    printer = Printer("status", output)
    if not watch:
        report = gather(target, prometheus_url=prometheus_url, api_url=api_url)
        printer.result(report.as_dict(), lambda p: p.out.print(render(report)), ok=not report.problems,
                       errors=[ErrorEntry(m) for m in report.problems])  # fmt: skip
        return int(ExitCode.FAILURE if report.problems else ExitCode.OK)
    from rich.live import Live

    report = gather(target, prometheus_url=prometheus_url, api_url=api_url)
    try:
        with Live(render(report), console=printer.out, refresh_per_second=4) as live:
            while True:
                time.sleep(interval)
                report = gather(target, prometheus_url=prometheus_url, api_url=api_url)
                live.update(render(report))
    except KeyboardInterrupt:
        return int(ExitCode.INTERRUPTED)


def render(report: StatusReport) -> Group:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[object] = []
    rev = report.revision
    head = f"release {report.release} in {report.namespace}: "
    if rev:
        head += f"revision {rev.revision} {rev.status.value} ({rev.chart}-{rev.chart_version}, "
        head += f"tag {rev.image_tag}, {rev.updated})"
    else:
        head += "not installed"
    parts.append(Text(head, style="bold"))
    deployments = Table(title="Deployments", title_justify="left", header_style="bold")
    for column in ("deployment", "component", "ready", "image tag"):
        deployments.add_column(column)
    for w in report.workloads:
        deployments.add_row(
            w.name,
            w.component,
            Text(f"{w.ready}/{w.desired}", style="green" if w.healthy else "red"),
            w.image_tag,
        )
    parts.append(deployments)
    pods = Table(title="Pods", title_justify="left", header_style="bold")
    for column in ("pod", "phase", "ready", "restarts", "age", "node", "reason"):
        pods.add_column(column)
    for p in report.pods:
        pods.add_row(p.name, p.phase, Text("yes" if p.ready else "no", style="green" if p.ready else "red"),
                     str(p.restarts), p.age, p.node, p.reason)  # fmt: skip
    parts.append(pods)
    if report.queues is not None:
        queues = Table(title="Queues", title_justify="left", header_style="bold")
        for column in ("queue", "ready", "unacked", "consumers", "dead letters"):
            queues.add_column(column)
        for q in report.queues:
            queues.add_row(
                q["queue"], str(q["ready"]), str(q["unacked"]), str(q["consumers"]), str(q["dlq_messages"])
            )
        parts.append(queues)
        parts.append(Text(f"Celery workers online: {len(report.workers_online or [])} "
                          f"{', '.join(report.workers_online or [])}".rstrip()))  # fmt: skip
    if report.metrics is not None:
        m = report.metrics
        rate = "n/a" if m.success_rate is None else f"{m.success_rate:.1%}"
        p95 = "n/a" if m.p95_seconds is None else f"{m.p95_seconds:.2f}s"
        parts.append(Text(f"scans ({m.window}, {m.source}): {m.scans:g} finished, success {rate}, p95 {p95}"))
    for note in report.notes:
        parts.append(Text(note, style="dim"))
    if report.problems:
        parts.append(Text("not healthy:", style="bold red"))
        parts.extend(Text(f"  - {problem}", style="red") for problem in report.problems)
    else:
        parts.append(Text("healthy", style="bold green"))
    return Group(*parts)  # type: ignore[arg-type]
