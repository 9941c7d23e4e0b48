"""`wastectl health`: the node, cluster and app scorecard (replaces remote-health-check.sh)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wastectl.errors import UsageError
from wastectl.exitcodes import ExitCode
from wastectl.fleet.cli import FleetArgs, fleet_options
from wastectl.health.model import Layer
from wastectl.output import OutputFormat, OutputOption, Printer

if TYPE_CHECKING:
    from wastectl.health.app import AppTarget
    from wastectl.health.runner import HealthOptions


class Target(StrEnum):
    cluster = "cluster"
    local = "local"


@fleet_options
def health(
    *,
    fleet: FleetArgs,
    target: Annotated[
        Target,
        typer.Option(help="cluster (SSH + Kubernetes API) or local (`wastectl dev`).", case_sensitive=False),
    ] = Target.cluster,
    only: Annotated[
        list[Layer] | None,
        typer.Option("--only", help="Run only this layer (repeatable).", case_sensitive=False),
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="Skip a check by ID (repeatable).")
    ] = None,
    wait: Annotated[str | None, typer.Option("--wait", help="Poll until healthy, e.g. 5m, 90s.")] = None,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between --wait rounds.")] = 5.0,
    kubeconfig: Annotated[
        Path | None,
        typer.Option(help="Kubeconfig (default: fetched from the master).", envvar="WASTECTL_KUBECONFIG"),
    ] = None,
    api_url: Annotated[str | None, typer.Option(help="API base URL for APIReady.")] = None,
    database_url: Annotated[str | None, typer.Option(help="PostgreSQL URL for PostgresReachable.")] = None,
    redis_url: Annotated[str | None, typer.Option(help="Redis URL for RedisReachable.")] = None,
    rabbitmq_api: Annotated[
        str | None,
        typer.Option(help="RabbitMQ management URL (http://u:p@host:15672).", envvar="WASTECTL_RABBITMQ_API"),
    ] = None,
    root_prefix: Annotated[str, typer.Option(hidden=True, envvar="WASTECTL_ROOT_PREFIX")] = "",
    output: OutputOption = OutputFormat.table,
) -> int:
    """Run named checks (node over SSH, cluster via the Kubernetes API, app) in parallel and score them.

    Problems print like kubeadm preflight: [ERROR Id] / [WARNING Id] with a fix. Exit 0 healthy
    (warnings allowed), 1 errors found, 2 the checks could not run. IDs: `wastectl health --list`.
    """
    import time

    from rich.markup import escape

    from wastectl.health.registry import BY_ID
    from wastectl.health.report import parse_duration, render
    from wastectl.health.runner import HealthOptions, Report, run_cluster, run_local

    ignored = {item.strip().lower() for raw in ignore or [] for item in raw.split(",") if item.strip()}
    unknown = sorted(ignored - set(BY_ID))
    if unknown:
        raise UsageError(
            f"unknown check ID(s): {', '.join(unknown)}",
            hint="known: " + ", ".join(spec.id for spec in BY_ID.values()),
        )
    if rabbitmq_api is not None:
        _check_http_url("--rabbitmq-api", rabbitmq_api)
    layers = frozenset(only or (Layer.app,) if target is Target.local else only or tuple(Layer))
    if target is Target.local and layers != {Layer.app}:
        raise UsageError("--target local runs the app layer only", hint="drop --only or use --only app")
    deadline = time.monotonic() + parse_duration(wait) if wait else None
    printer = Printer("health", output)
    options = HealthOptions(
        layers=layers,
        ignore=frozenset(ignored),
        local=target is Target.local,
        kubeconfig=kubeconfig,
        api_url=api_url,
        database_url=database_url,
        redis_url=redis_url,
        rabbitmq_api=rabbitmq_api,
        accept_new=fleet.accept_new,
        root_prefix=root_prefix,
    )

    def once() -> Report:
        if target is Target.local:
            return run_local(options, _local_target(options))
        return run_cluster(fleet.resolve(), options)

    rounds = 1
    try:
        report = once()
        while deadline is not None and int(report.exit_code) != 0 and time.monotonic() + interval < deadline:
            left = deadline - time.monotonic()
            printer.info(
                escape(
                    f"[wait] round {rounds}: score {report.score}/100, {len(report.errors)} error(s); "
                    f"retrying in {interval:g}s ({left:.0f}s left)"
                )
            )
            time.sleep(interval)
            report = once()
            rounds += 1
    except KeyboardInterrupt:
        printer.info(f"interrupted during round {rounds}: no report")
        return int(ExitCode.INTERRUPTED)
    if deadline is not None:
        verdict = "healthy" if int(report.exit_code) == 0 else "gave up"
        printer.info(escape(f"[wait] {verdict} after {rounds} round(s)"))
    data = report.as_dict()
    printer.result(
        data,
        lambda p: render(p, report),
        ok=int(report.exit_code) == 0,
        errors=[r.as_dict() for r in report.errors],
    )
    return int(report.exit_code)


def _check_http_url(option: str, value: str) -> None:
    import httpx

    from wastectl.settings import redact_url

    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise UsageError(
            f"{option} must be an http(s) URL, got {redact_url(value)!r}",
            hint=f"e.g. {option} http://user:pass@127.0.0.1:15672",
        )


def _local_target(options: HealthOptions) -> AppTarget:
    from wastectl import settings as cli_settings
    from wastectl.health.app import AppTarget

    settings = cli_settings.load()
    rabbitmq_api, vhost = options.rabbitmq_api, None
    if rabbitmq_api is None and settings.broker_url:
        # The stack's own broker: WASTE_RABBITMQ_MANAGEMENT_URL with WASTE_BROKER_URL's credentials,
        # looking only at its vhost (a shared broker's other vhosts are not this stack's business).
        import httpx

        from wastectl.queues.management import target_from

        broker = target_from(settings.broker_url, settings.rabbitmq_management_url)
        url = httpx.URL(broker.management_url).copy_with(username=broker.username, password=broker.password)
        rabbitmq_api, vhost = str(url), broker.vhost
    return AppTarget(
        api_url=options.api_url or settings.public_base_url or "http://127.0.0.1:8000",
        database_url=options.database_url or settings.resolved_database_url,
        redis_url=options.redis_url or settings.redis_url,
        rabbitmq_api=rabbitmq_api,
        rabbitmq_vhost=vhost,
    )
