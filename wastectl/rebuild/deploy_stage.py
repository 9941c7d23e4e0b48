"""The rebuild's `deploy` stage: the app's Helm release through the same engine as `wastectl deploy`.

It runs after bootstrap, against the admin kubeconfig bootstrap fetched (or the inventory's /
WASTECTL_KUBECONFIG for clusters not made by us), with `--wait --atomic` semantics: a failed
rollout is rolled back by Helm, the stage fails with the reason, and the next rebuild resumes here.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wastectl.errors import WastectlError
from wastectl.rebuild.errors import StageFailed

if TYPE_CHECKING:
    from wastectl.rebuild.stages import Context


@dataclass(frozen=True)
class DeploySpec:
    """What `rebuild` deploys: the chart, values files, --set pairs and image tag (default: HEAD)."""

    chart: Path
    values: tuple[Path, ...] = ()
    sets: tuple[str, ...] = ()
    tag: str | None = None
    release: str | None = None
    namespace: str | None = None
    check_image: bool = True
    timeout: float = 600.0


def kubeconfig_for(ctx: Context) -> Path:
    """WASTECTL_KUBECONFIG, else the inventory's `kubeconfig`, else the admin.conf bootstrap fetched."""
    from wastectl.cluster.inventory import cluster_dir

    explicit = os.environ.get("WASTECTL_KUBECONFIG")
    if explicit:
        return Path(explicit).expanduser()
    try:
        inventory = ctx.inventory()
    except WastectlError:
        inventory = None
    if inventory is not None and inventory.kubeconfig is not None:
        return inventory.kubeconfig
    return cluster_dir(ctx.cluster) / "admin.conf"


def _chart_digest(chart: Path) -> str:
    """The chart's files, hashed; a directory without Chart.yaml is not walked (`--chart /` would
    read the whole disk before the usage check refuses it)."""
    sha = hashlib.sha256()
    if (chart / "Chart.yaml").is_file():
        for path in sorted(p for p in chart.rglob("*") if p.is_file()):
            sha.update(str(path.relative_to(chart)).encode())
            sha.update(path.read_bytes())
    return sha.hexdigest()[:16]


def deploy_inputs(ctx: Context) -> dict[str, Any]:
    spec = ctx.deploy
    if spec is None:
        return {}
    from wastectl.deploy.values import build_values

    try:
        values: Any = build_values(list(spec.values), list(spec.sets), spec.tag)
    except WastectlError as exc:
        values = f"unresolved ({exc.message})"
    return {
        "chart": str(spec.chart),
        "chart_files": _chart_digest(spec.chart),
        "values": values,
        "release": spec.release,
        "namespace": spec.namespace,
        "kubeconfig": str(kubeconfig_for(ctx)),
    }


def check_deploy_inputs(spec: DeploySpec) -> None:
    """Local checks only (values files, --set, the chart and its schema): UsageError when wrong."""
    from wastectl.deploy.values import build_values, check_schema

    check_schema(spec.chart, build_values(list(spec.values), list(spec.sets), spec.tag))


def deploy(ctx: Context) -> str:
    from wastectl.deploy.rollout import RolloutWatch
    from wastectl.deploy.service import DeployRequest
    from wastectl.deploy.service import deploy as run_deploy
    from wastectl.deploy.target import Target
    from wastectl.deploy.values import build_values

    spec = ctx.deploy
    if spec is None:
        return "not deployed (--no-deploy)"
    try:
        values = build_values(list(spec.values), list(spec.sets), spec.tag)
        target = Target.resolve(kubeconfig_for(ctx), None, spec.namespace, spec.release)
    except WastectlError as exc:
        raise StageFailed(exc.message, hint=exc.hint) from None
    request = DeployRequest(
        spec.chart, values, wait=True, atomic=True, timeout=spec.timeout, check_image=spec.check_image
    )
    tag = values["image"]["tag"]
    ctx.say(f"deploying {target.release} to namespace {target.namespace} (tag {tag}) ...")
    watch = RolloutWatch(target, lambda line: ctx.say(f"[rollout] {line}"))
    try:
        result = run_deploy(target, request, progress=watch if ctx.console is not None else None)
    except WastectlError as exc:
        raise StageFailed(exc.message, hint=exc.hint) from None
    for warning in request.warnings:
        ctx.say(f"warning: {warning}")
    if result.error is not None:
        raise StageFailed(
            f"{result.action} of {target.release} failed: {result.error.splitlines()[0]}",
            tail=result.error,
            hint="wastectl status; wastectl logs api",
        )
    return f"{result.action} {target.release} revision {result.revision} ({result.status}, tag {tag})"
