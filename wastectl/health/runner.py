"""Run the selected checks of every layer concurrently, then score them.

Score: every reported check weighs by its severity (critical 10, error 3, warning 1); ok = full
credit, warn = half, fail/error = none; skipped and ignored checks do not count. A failed critical
check (API server, etcd) caps the score at 40, so it can never read better than "unhealthy".
Bands: healthy (no ERROR), degraded (errors, score >= 50), unhealthy (< 50). Exit: 0 no ERROR, 1 ERRORs found,
2 nothing could be checked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wastectl.exitcodes import ExitCode
from wastectl.health.app import AppTarget
from wastectl.health.model import (
    CRITICAL_CAP,
    WEIGHT,
    AppCheck,
    CheckId,
    CheckSpec,
    ClusterCheck,
    Layer,
    Outcome,
    Result,
    Severity,
    Status,
)
from wastectl.health.registry import HEALTH_CHECKS

if TYPE_CHECKING:
    from wastectl.kube.client import KubeClient
from wastectl.nodes.model import Inventory


@dataclass(frozen=True)
class HealthOptions:
    layers: frozenset[Layer]
    ignore: frozenset[str]  # lower-cased check IDs
    local: bool = False
    kubeconfig: Path | None = None
    api_url: str | None = None
    database_url: str | None = None
    redis_url: str | None = None
    rabbitmq_api: str | None = None
    accept_new: bool = False
    node_names: tuple[str, ...] = ()  # narrow the node layer to these nodes (--node)
    role: str | None = None  # ... or to the nodes of this role (--role)
    readonly_kubeconfig: Path | None = None  # a read-only identity for health (see docs/fleet.md)


@dataclass
class Report:
    target: str
    results: list[Result]
    ignored: list[str] = field(default_factory=list)
    api: str = ""  # how the Kubernetes API was reached ("direct ...", "SSH tunnel through master ...")

    @property
    def counted(self) -> list[Result]:
        return [r for r in self.results if r.credit is not None]

    @property
    def score(self) -> int:
        counted = self.counted
        if not counted:
            return 0
        total = sum(WEIGHT[r.severity] for r in counted)
        score = round(100 * sum(WEIGHT[r.severity] * (r.credit or 0.0) for r in counted) / total)
        if any(r.severity is Severity.critical and r.level == "ERROR" for r in counted):
            score = min(score, CRITICAL_CAP)
        return score

    @property
    def band(self) -> str:
        """healthy (no ERROR), degraded (errors, score >= 50) or unhealthy (score < 50: always so
        after a critical failure); `could not run` when nothing was checked."""
        if self.exit_code is ExitCode.USAGE:
            return "could not run"
        if self.exit_code is ExitCode.OK:
            return "healthy"
        return "degraded" if self.score >= 50 else "unhealthy"

    @property
    def errors(self) -> list[Result]:
        return [r for r in self.results if r.level == "ERROR"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.level == "WARNING"]

    @property
    def exit_code(self) -> ExitCode:
        counted = self.counted
        if not counted or all(r.status is Status.error for r in counted):
            return ExitCode.USAGE
        return ExitCode.FAILURE if self.errors else ExitCode.OK

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "score": self.score,
            "band": self.band,
            "healthy": self.exit_code is ExitCode.OK,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "passed": sum(1 for r in self.results if r.status is Status.ok),
            "skipped": sum(1 for r in self.results if r.status is Status.skip),
            "ignored": self.ignored,
            "api": self.api or None,
            "checks": [r.as_dict() for r in self.results],
        }


def selected_specs(options: HealthOptions) -> list[CheckSpec]:
    return [s for s in HEALTH_CHECKS if s.layer in options.layers and s.id.lower() not in options.ignore]


def _call(spec: CheckSpec, target: str, fn: Callable[[], str]) -> Result:
    started = time.monotonic()
    try:
        message, status = fn(), Status.ok
    except Outcome as outcome:
        message, status = outcome.message, outcome.status
    except Exception as exc:  # KubeError, httpx/psycopg errors...: the check could not run
        message, status = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}", Status.error
    return spec.result(target, status, message, time.monotonic() - started)


def _errored(specs: list[CheckSpec], target: str, message: str) -> list[Result]:
    return [s.result(target, Status.error, message) for s in specs]


def _api_down(specs: list[CheckSpec], message: str) -> list[Result]:
    """One root cause, one error: APIServerReady fails, the other API checks are skipped."""
    if not any(s.id is CheckId.APIServerReady for s in specs):
        return _errored(specs, "cluster", f"not checked: {message}")
    out = []
    for s in specs:
        target = "cluster" if s.layer is Layer.cluster else "app"
        if s.id is CheckId.APIServerReady:
            out.append(s.result(target, Status.fail, message))
        else:
            why = "skipped: the Kubernetes API is not reachable (see APIServerReady)"
            out.append(s.result(target, Status.skip, why))
    return out


def _bind_app(spec: AppCheck, target: AppTarget) -> Callable[[], str]:
    return lambda: spec.run(target)


def _bind_cluster(spec: ClusterCheck, kube: KubeClient, inventory: Inventory) -> Callable[[], str]:
    return lambda: spec.run(kube, inventory)


def run_local(options: HealthOptions, target: AppTarget) -> Report:
    specs = [s for s in selected_specs(options) if isinstance(s, AppCheck)]
    with ThreadPoolExecutor(max_workers=max(1, len(specs))) as pool:
        futures = [pool.submit(_call, s, "local", _bind_app(s, target)) for s in specs]
        results = [f.result() for f in futures]
    return Report("local", results, sorted(options.ignore))


NodeProgress = Callable[[str, list[Result]], None]


def run_cluster(
    inventory: Inventory, options: HealthOptions, *, on_node: NodeProgress | None = None
) -> Report:
    """`on_node(name, results)` is called as each node finishes (live progress on a terminal)."""
    from wastectl.health.node_runner import run_node
    from wastectl.nodes.knownhosts import known_hosts_path
    from wastectl.nodes.parallel import map_nodes

    specs = selected_specs(options)
    node_ids = {s.id for s in specs if s.layer is Layer.node}
    cluster_specs = [s for s in specs if isinstance(s, ClusterCheck)]
    app_specs = [s for s in specs if isinstance(s, AppCheck)]
    known_hosts = known_hosts_path(inventory.cluster)
    stop = threading.Event()
    opened: list[Any] = []  # node connections, closed by Ctrl-C to unblock the workers
    opened_lock = threading.Lock()

    def track(conn: Any) -> None:
        with opened_lock:
            opened.append(conn)
            if stop.is_set():
                conn.close()

    def nodes() -> list[Result]:
        if not node_ids:
            return []

        def one(node: Any) -> list[Result]:
            results = run_node(
                node,
                selected=node_ids,
                known_hosts=known_hosts,
                accept_new=options.accept_new,
                cluster=inventory.cluster,
                on_connect=track,
                selector=inventory.selector_args,
            )
            if on_node is not None:
                on_node(node.name, results)
            return results

        targets = list(inventory.nodes)
        if options.node_names or options.role:
            targets = inventory.select(list(options.node_names), role=options.role)
        per_node = map_nodes(targets, one, stop=stop)
        if stop.is_set():  # Ctrl-C while the nodes were being checked: stop here, exit 130
            raise KeyboardInterrupt
        return [result for results in per_node for result in results]

    with ThreadPoolExecutor(max_workers=2) as pool:
        node_future = pool.submit(nodes)
        try:
            api_results, api = _api_layers(inventory, options, cluster_specs, app_specs)
            results = node_future.result() + api_results
        except KeyboardInterrupt:
            # The node work runs in a worker thread that never sees the signal: stop it here by
            # closing its connections (remote checks are read-only and bounded by `timeout`).
            stop.set()
            with opened_lock:
                for conn in opened:
                    conn.close()
            raise
    return Report(
        f"cluster {inventory.cluster} ({inventory.source})", results, sorted(options.ignore), api=api
    )


def _api_layers(
    inventory: Inventory, options: HealthOptions, cluster_specs: list[ClusterCheck], app_specs: list[AppCheck]
) -> tuple[list[Result], str]:
    from wastectl.kube.connect import open_readonly_api

    needs_kube: list[CheckSpec] = [*cluster_specs, *(s for s in app_specs if s.needs_kube)]
    kube = None
    kube_error = ""
    if needs_kube:
        try:
            kube = open_readonly_api(
                inventory,
                kubeconfig=options.kubeconfig,
                readonly_kubeconfig=options.readonly_kubeconfig,
                accept_new=options.accept_new,
            )
            kube.text("/readyz")  # reachable at all? (any HTTP answer is; APIServerReady judges it)
        except Exception as exc:
            kube_error = getattr(exc, "message", None) or str(exc)
            if kube is not None:
                kube.close()
                kube = None
    results: list[Result] = []
    if kube is None and needs_kube:
        results += _api_down(needs_kube, kube_error)
    target = AppTarget(
        kube=kube,
        api_url=options.api_url or inventory.api_url,
        database_url=options.database_url,
        redis_url=options.redis_url,
        rabbitmq_api=options.rabbitmq_api,
    )
    jobs: list[tuple[CheckSpec, Callable[[], str]]] = []
    if kube is not None:
        k: KubeClient = kube
        jobs += [(s, _bind_cluster(s, k, inventory)) for s in cluster_specs]
    jobs += [(s, _bind_app(s, target)) for s in app_specs if kube is not None or not s.needs_kube]
    try:
        with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
            futures = [
                pool.submit(_call, spec, "cluster" if spec.layer is Layer.cluster else "app", fn)
                for spec, fn in jobs
            ]
            results += [f.result() for f in futures]
    finally:
        if kube is not None:
            kube.close()
    via = "" if kube is None else (kube.server if kube.via == "direct" else kube.via)
    return results, via
