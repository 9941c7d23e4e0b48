"""`wastectl logs SERVICE [-f]`: every pod of api, worker or beat, merged in time order, pod-prefixed."""

from __future__ import annotations

from typing import Annotated

import typer

from wastectl.deploy.cli import ContextOption, KubeconfigOption, NamespaceOption, ReleaseOption
from wastectl.deploy.model import Service
from wastectl.errors import UsageError, WastectlError
from wastectl.exitcodes import ExitCode
from wastectl.output import OutputFormat, StreamOutputOption

PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan", "bright_magenta")


def logs(
    service: Annotated[Service, typer.Argument(help="api, worker or beat.", case_sensitive=False)],
    *,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep streaming; pick up new pods.")] = False,
    since: Annotated[
        str | None, typer.Option("--since", help="Only lines newer than this, e.g. 10m.")
    ] = None,
    tail: Annotated[int | None, typer.Option("--tail", min=0, help="Last N lines of each pod.")] = None,
    grep: Annotated[
        str | None, typer.Option("--grep", help="Only lines matching this regular expression.")
    ] = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    namespace: NamespaceOption = None,
    release: ReleaseOption = None,
    output: StreamOutputOption = OutputFormat.table,
) -> int:
    """Logs of every pod of SERVICE through the Kubernetes API, merged by time, each line prefixed by its pod.

    Examples:

      wastectl logs api --since 10m

      wastectl logs worker -f --grep 'scan.analyse|ERROR'

      wastectl logs beat --tail 50
    """
    import re
    import threading

    from rich.text import Text

    from wastectl.deploy.podlogs import LogLine, LogOptions, follow_logs, read_logs
    from wastectl.deploy.target import Target
    from wastectl.health.report import parse_duration
    from wastectl.output import stdout_console

    pattern = None
    if grep is not None:
        try:
            pattern = re.compile(grep)
        except re.error as exc:
            raise UsageError(f"--grep {grep!r} is not a regular expression: {exc}") from None
    since_seconds = int(parse_duration(since)) if since else None
    target = Target.resolve(kubeconfig, context, namespace, release)
    options = LogOptions(service, follow=follow, since_seconds=since_seconds, tail=tail, grep=pattern)
    console = stdout_console()
    colours: dict[str, str] = {}

    def emit(line: LogLine) -> None:
        style = colours.setdefault(line.pod, PALETTE[len(colours) % len(PALETTE)])
        console.print(Text(line.pod, style=style) + Text(" | ") + Text(line.text))
        console.file.flush()

    kube = target.kube()
    try:
        target.probe(kube)
        if not follow:
            if read_logs(kube, target, options, emit) == 0:
                raise WastectlError(
                    f"no {service.value} pods for release {target.release} in namespace {target.namespace}",
                    hint="is it deployed? see `wastectl status`",
                )
            return int(ExitCode.OK)
        stop = threading.Event()
        try:
            follow_logs(kube, target, options, emit, stop)
        except KeyboardInterrupt:
            stop.set()
            return int(ExitCode.INTERRUPTED)
        return int(ExitCode.OK)
    finally:
        kube.close()
