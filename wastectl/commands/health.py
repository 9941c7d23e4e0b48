"""`wastectl health`: the node, cluster and app scorecard (replaces remote-health-check.sh)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wastectl.errors import UsageError
from wastectl.exitcodes import ExitCode
from wastectl.fleet.cli import FleetArgs, fleet_options
from wastectl.health.model import Layer, Result, Status
from wastectl.output import ErrorEntry, OutputFormat, OutputOption, Printer

if TYPE_CHECKING:
    from wastectl.health.app import AppTarget
    from wastectl.health.model import CheckSpec
    from wastectl.health.runner import HealthOptions


EXAMPLES = """
Examples:

  wastectl health --inventory inventory.yaml --accept-new
  wastectl health --list                            # every check: layer, severity, what it verifies
  wastectl health --only node --role worker
  wastectl health --node worker-1 --ignore KubeletErrors -o json
  wastectl health --wait 5m --interval 10           # after a rebuild: poll until healthy
  wastectl health --readonly-kubeconfig health.conf # a read-only identity (docs/fleet.md)
  wastectl health --target local                    # the `wastectl dev` stack
"""


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
    node: Annotated[
        list[str] | None, typer.Option("--node", "-n", help="Check only this node (repeatable).")
    ] = None,
    role: Annotated[
        str | None, typer.Option("--role", "-r", help="Check only the nodes of this role.")
    ] = None,
    list_checks: Annotated[
        bool, typer.Option("--list", help="List every check (layer, severity, what it verifies) and exit.")
    ] = False,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress", help="One line per node as it finishes (default: on a terminal)."
        ),
    ] = None,
    readonly_kubeconfig: Annotated[
        Path | None,
        typer.Option(
            help="Kubeconfig of a read-only identity for the checks (docs/fleet.md has its ClusterRole).",
            envvar="WASTECTL_HEALTH_KUBECONFIG",
        ),
    ] = None,
    output: OutputOption = OutputFormat.table,
) -> int:
    """Run named checks (node over SSH, cluster via the Kubernetes API, app) in parallel and score them.

    Problems print like kubeadm preflight: [ERROR Id] / [WARNING Id] with a fix. One root cause
    gives one error: an unreachable node fails NodeReachable and its other checks are skipped.
    The score weighs checks by severity; a failed critical check (API server, etcd) caps it at 40.
    Exit 0 healthy (warnings allowed), 1 errors found, 2 the checks could not run.
    Every check, its layer and severity: `wastectl health --list`.
    """
    import time

    from rich.markup import escape

    from wastectl.health.registry import health_check_ids
    from wastectl.health.report import parse_duration, render
    from wastectl.health.runner import HealthOptions, Report, run_cluster, run_local

    if list_checks:
        return _list_checks(Printer("health", output))
    if target is Target.local and (node or role):
        raise UsageError("--node and --role narrow the cluster's nodes; --target local has none")
    if node and role:
        raise UsageError("give --node or --role, not both")
    ignored = {item.strip().lower() for raw in ignore or [] for item in raw.split(",") if item.strip()}
    known = health_check_ids()
    unknown = sorted(ignored - set(known))
    if unknown:
        raise UsageError(
            f"unknown check ID(s): {', '.join(unknown)}", hint="known: " + ", ".join(known.values())
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
        node_names=tuple(node or ()),
        role=role,
        readonly_kubeconfig=readonly_kubeconfig,
    )
    live = progress if progress is not None else (printer.err.is_terminal and not printer.json)

    def on_node(name: str, results: list[Result]) -> None:
        printer.info(escape(_progress_line(name, results)))

    def once() -> Report:
        if target is Target.local:
            return run_local(options, _local_target(options))
        inventory = fleet.resolve()
        if node or role:
            inventory.select(list(node or ()), role=role)  # unknown names: exit 2 before any check
        return run_cluster(inventory, options, on_node=on_node if live else None)

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
        errors=[ErrorEntry(r.message, target=r.target, code=r.id, hint=r.fix or None) for r in report.errors],
    )
    return int(report.exit_code)


def _progress_line(name: str, results: list[Result]) -> str:
    bad = [r for r in results if r.level]
    reach = next((r for r in results if r.id == "NodeReachable"), None)
    if reach is not None and reach.level:
        return f"[health] {name}: unreachable"
    counted = [r for r in results if r.credit is not None]
    ok = sum(1 for r in counted if r.status is Status.ok)
    detail = f", {len(bad)} problem(s): {', '.join(r.id for r in bad)}" if bad else ""
    return f"[health] {name}: {ok}/{len(counted)} ok{detail}"


def _list_checks(printer: Printer) -> int:
    """Every check in the registry: what `health` runs, and ResetLeftovers, which `reset` runs."""
    from wastectl.health.model import NodeCheck
    from wastectl.health.registry import CHECKS

    def applies_to(spec: CheckSpec) -> str:
        if not isinstance(spec, NodeCheck):
            return str(spec.layer)
        return "control-plane nodes" if spec.control_plane_only else "all nodes"

    rows = [
        {
            "id": str(spec.id),
            "layer": str(spec.layer),
            "severity": str(spec.severity),
            "description": spec.title,
            "verifies": spec.verifies or spec.title,
            "applies_to": applies_to(spec),
            "run_by": "health" if spec.in_health else "reset",
            "fix": spec.fix,
        }
        for spec in CHECKS
    ]
    printer.result(
        {"checks": rows},
        lambda p: p.table(
            f"{len(rows)} checks",
            ["id", "layer", "severity", "run by", "description", "fix"],
            [(r["id"], r["layer"], r["severity"], r["run_by"], r["description"], r["fix"]) for r in rows],
        ),
    )
    return int(ExitCode.OK)


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
