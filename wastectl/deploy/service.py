"""The deploy engine, callable from other stages: `deploy()`, `plan()`, `rollback()`, `history()`.

Path: the Helm SDK (helm-python-sdk, Helm 4 through its C ABI). No helm binary is needed or used.
Every entry point checks locally first (values schema, image tag, kubeconfig context), then probes
the API server, then refuses a release stuck in pending-* with the exact fix, then acts.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wastectl.deploy.model import DeployResult, ReleaseStatus, ResourceChange, Revision
from wastectl.deploy.releases import StuckRelease, history, read_revisions, stuck_fix
from wastectl.deploy.target import Target, as_dict, helm_message
from wastectl.errors import UsageError, WastectlError

if TYPE_CHECKING:
    from wastectl.kube.client import KubeClient

Progress = Callable[["KubeClient"], None]


@dataclass
class DeployRequest:
    chart: Path
    values: dict[str, Any]
    wait: bool = False
    atomic: bool = False
    timeout: float = 300.0
    check_image: bool = True
    warnings: list[str] = field(default_factory=list)


def prepare(target: Target, request: DeployRequest) -> tuple[str, str, dict[str, Any]]:
    """Local checks only: chart + values schema, then the image tag in its registry."""
    from wastectl.deploy import registry
    from wastectl.deploy.values import check_schema

    name, version, merged = check_schema(request.chart, request.values)
    image = as_dict(merged.get("image"))
    repository, tag = image.get("repository"), image.get("tag")
    if request.check_image and repository and tag:
        warning = registry.check_tag(registry.parse(str(repository), str(tag)))
        if warning:
            request.warnings.append(warning)
    return name, version, merged


def plan(target: Target, request: DeployRequest) -> tuple[list[ResourceChange], list[Revision]]:
    import helm_python

    from wastectl.deploy.plan import compare, split_manifests

    prepare(target, request)
    kube = target.kube()
    try:
        target.probe(kube)
        with target.helm() as config:
            revisions = read_revisions(config, target.release)
            previous: list[dict[str, Any]] = []
            if revisions:
                try:
                    previous = split_manifests(str(config.status(target.release).get("manifest") or ""))
                except helm_python.HelmError:
                    previous = []
            try:
                with helm_python.Chart.load(str(request.chart)) as chart:
                    rendered = config.render(
                        chart,
                        request.values,
                        name=target.release,
                        namespace=target.namespace,
                        revision=(revisions[-1].revision + 1) if revisions else 1,
                        is_install=not revisions,
                        is_upgrade=bool(revisions),
                    )
            except helm_python.HelmError as exc:
                raise UsageError(f"the chart does not render: {helm_message(exc)}") from None
            desired = [doc for text in rendered.values() for doc in split_manifests(text)]
            return compare(desired, previous, kube, target.namespace), revisions
    finally:
        kube.close()


def deploy(target: Target, request: DeployRequest, progress: Progress | None = None) -> DeployResult:
    """Install or upgrade the release; with `wait`, until every workload is ready or the timeout."""
    import helm_python

    prepare(target, request)
    kube = target.kube()
    try:
        target.probe(kube)
        with target.helm() as config:
            revisions = read_revisions(config, target.release)
            stuck = stuck_fix(target, revisions)
            if stuck is not None:
                raise stuck
            live = [r for r in revisions if r.status is not ReleaseStatus.uninstalled]
            action = "upgrade" if live else "install"
            options: dict[str, Any] = {
                "timeout": max(1, int(request.timeout)),
                "wait": "watcher" if request.wait or request.atomic else "hookOnly",
                "rollback_on_failure": request.atomic,
            }
            started = time.monotonic()
            outcome: dict[str, Any] = {}

            def run() -> None:
                try:
                    if action == "install":
                        outcome["release"] = config.install(
                            str(request.chart), target.release, request.values, **options
                        )
                    else:
                        outcome["release"] = config.upgrade(
                            str(request.chart),
                            target.release,
                            request.values,
                            cleanup_on_fail=request.atomic,
                            **options,
                        )
                except helm_python.HelmError as exc:
                    outcome["error"] = exc

            _run_with_progress(run, kube, progress)
            seconds = round(time.monotonic() - started, 2)
            after = read_revisions(config, target.release)
            tag = str(as_dict(request.values.get("image")).get("tag") or "") or None
            error = outcome.get("error")
            if error is None:
                release = as_dict(outcome.get("release"))
                return DeployResult(
                    target.release,
                    target.namespace,
                    int(release.get("revision", 0)),
                    ReleaseStatus.of(release.get("status")),
                    action,
                    tag,
                    seconds,
                    warnings=request.warnings,
                )
            current = after[-1] if after else None
            rolled_back = (
                current.revision
                if request.atomic and current and current.status is ReleaseStatus.deployed
                else None
            )
            return DeployResult(
                target.release,
                target.namespace,
                current.revision if current else 0,
                current.status if current else ReleaseStatus.unknown,
                action,
                tag,
                seconds,
                rolled_back_to=rolled_back,
                error=helm_message(error),
                warnings=request.warnings,
            )
    finally:
        kube.close()


def rollback(
    target: Target, revision: int | None, *, wait: bool, timeout: float, progress: Progress | None = None
) -> DeployResult:
    import helm_python

    kube = target.kube()
    try:
        target.probe(kube)
        with target.helm() as config:
            revisions = read_revisions(config, target.release)
            if not revisions:
                raise WastectlError(
                    f"release {target.release} is not installed in namespace {target.namespace}"
                )
            numbers = {r.revision for r in revisions}
            if revision is not None and revision not in numbers:
                raise UsageError(
                    f"release {target.release} has no revision {revision}",
                    hint="revisions: " + ", ".join(str(n) for n in sorted(numbers)),
                )
            if revision is None:
                good = [
                    r
                    for r in revisions[:-1]
                    if r.status in (ReleaseStatus.deployed, ReleaseStatus.superseded)
                ]
                if not good:
                    raise UsageError(f"release {target.release} has no earlier revision to roll back to")
                revision = good[-1].revision
            outcome: dict[str, Any] = {}
            started = time.monotonic()

            def run() -> None:
                try:
                    config.rollback(
                        target.release,
                        version=revision,
                        timeout=max(1, int(timeout)),
                        wait="watcher" if wait else "hookOnly",
                    )
                except helm_python.HelmError as exc:
                    outcome["error"] = exc

            _run_with_progress(run, kube, progress)
            after = read_revisions(config, target.release)
            current = after[-1]
            target_rev = next(r for r in revisions if r.revision == revision)
            error = outcome.get("error")
            return DeployResult(
                target.release,
                target.namespace,
                current.revision,
                current.status,
                "rollback",
                target_rev.image_tag,
                round(time.monotonic() - started, 2),
                rolled_back_to=revision,
                error=helm_message(error) if error else None,
            )
    finally:
        kube.close()


def _run_with_progress(run: Callable[[], None], kube: KubeClient, progress: Progress | None) -> None:
    """The SDK call blocks in native code; run it in a thread and report rollout progress meanwhile."""
    worker = threading.Thread(target=run, name="helm", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.5)
        if progress is not None and worker.is_alive():
            with contextlib.suppress(WastectlError):
                progress(kube)
    if progress is not None:
        with contextlib.suppress(WastectlError):
            progress(kube)


__all__ = ["DeployRequest", "StuckRelease", "deploy", "history", "plan", "prepare", "rollback", "stuck_fix"]
