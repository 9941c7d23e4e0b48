"""Terraform operations on one environment, for `wastectl infra` and for `wastectl rebuild`.

Files per cluster live under `$XDG_STATE_HOME/wastectl/terraform/<cluster>/`:
    plan.tfplan      the saved plan (`infra plan`), applied exactly once by `infra apply`
    plan.meta.json   its fingerprint: configuration files, variables, environment, time
    outputs.json     `terraform output -json` after every apply (the inventory resolver reads it)

Every environment root declares a `cluster_name` variable; it is always passed as `-var`, so the
outputs saved for a cluster come from a configuration planned for that cluster.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wastectl.errors import UsageError
from wastectl.exitcodes import ExitCode
from wastectl.fleet.inventory import default_tf_outputs_path
from wastectl.infra.plan import PlanSummary, fingerprint, summarize
from wastectl.infra.terraform import Event, InfraError, Terraform

OnEvent = Callable[[str], None]

#: Event types worth showing a person while Terraform runs.
_SHOWN = {
    "apply_start",
    "apply_progress",
    "apply_complete",
    "apply_errored",
    "provision_start",
    "provision_errored",
    "refresh_start",
    "refresh_complete",
    "change_summary",
}


def cluster_dir(cluster: str) -> Path:
    return default_tf_outputs_path(cluster).parent


def plan_path(cluster: str) -> Path:
    return cluster_dir(cluster) / "plan.tfplan"


def meta_path(cluster: str) -> Path:
    return cluster_dir(cluster) / "plan.meta.json"


def outputs_path(cluster: str) -> Path:
    return default_tf_outputs_path(cluster)


def _relay(on_event: OnEvent | None) -> Callable[[Event], None] | None:
    if on_event is None:
        return None

    def relay(event: Event) -> None:
        if event.type in _SHOWN and event.message:
            on_event(event.message)

    return relay


def _variables(cluster: str, extra: dict[str, str] | None) -> dict[str, str]:
    return {**(extra or {}), "cluster_name": cluster}


def _var_args(variables: dict[str, str]) -> list[str]:
    # Passed as repeated `-var` (python-terraform turns a dict into a temporary var file in /tmp).
    return [f"{key}={value}" for key, value in sorted(variables.items())]


def init(env_dir: Path, *, upgrade: bool = False, tf: Terraform | None = None) -> str:
    from python_terraform import IsFlagged

    tf = tf or Terraform(env_dir)
    _, out, _ = tf.run("init", input=False, no_color=IsFlagged, upgrade=IsFlagged if upgrade else None)
    return out


@dataclass
class PlanResult:
    summary: PlanSummary
    plan_file: Path
    env_dir: Path
    destroy: bool


def plan(
    env_dir: Path,
    cluster: str,
    *,
    variables: dict[str, str] | None = None,
    destroy: bool = False,
    on_event: OnEvent | None = None,
    tf: Terraform | None = None,
) -> PlanResult:
    """`terraform plan -out=...` into the cluster's plan file, then its `show -json` summary."""
    from python_terraform import IsFlagged

    tf = tf or Terraform(env_dir)
    values = _variables(cluster, variables)
    planfile = plan_path(cluster)
    planfile.parent.mkdir(parents=True, exist_ok=True)
    for stale in (planfile, meta_path(cluster)):
        stale.unlink(missing_ok=True)
    tf.stream(
        "plan",
        on_event=_relay(on_event),
        input=False,
        no_color=IsFlagged,
        out=str(planfile),
        var=_var_args(values),
        destroy=IsFlagged if destroy else None,
    )
    shown = tf.json("show", str(planfile), no_color=IsFlagged)
    meta = {
        "env_dir": str(tf.workdir),
        "cluster": cluster,
        "destroy": destroy,
        "variables": values,
        "fingerprint": fingerprint(tf.workdir, values),
        "created": time.time(),
    }
    meta_path(cluster).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return PlanResult(summarize(shown), planfile, tf.workdir, destroy)


def check_fresh(env_dir: Path, cluster: str) -> dict[str, Any]:
    """The saved plan's metadata, if it still matches the configuration; else a clear refusal."""
    planfile, meta_file = plan_path(cluster), meta_path(cluster)
    if not planfile.is_file() or not meta_file.is_file():
        raise UsageError(
            f"no saved plan for cluster {cluster!r} ({planfile})",
            hint="run `wastectl infra plan` first; apply only applies a saved plan",
        )
    meta: dict[str, Any] = json.loads(meta_file.read_text(encoding="utf-8"))
    where = env_dir.resolve()
    if meta.get("env_dir") != str(where):
        raise UsageError(
            f"the saved plan is for {meta.get('env_dir')}, not {where}",
            hint="run `wastectl infra plan` for this environment",
        )
    if meta.get("fingerprint") != fingerprint(where, meta.get("variables") or {}):
        raise UsageError(
            "the saved plan is stale: the configuration changed since it was made",
            hint="run `wastectl infra plan` again and review it",
        )
    return meta


def apply(
    env_dir: Path,
    cluster: str,
    *,
    on_event: OnEvent | None = None,
    tf: Terraform | None = None,
) -> Path:
    """Apply exactly the saved plan (no prompt here: the caller confirmed), then save the outputs."""
    from python_terraform import IsFlagged

    tf = tf or Terraform(env_dir)
    check_fresh(tf.workdir, cluster)
    planfile = plan_path(cluster)
    try:
        tf.stream("apply", str(planfile), on_event=_relay(on_event), input=False, no_color=IsFlagged)
    finally:
        # A saved plan applies once: Terraform refuses it afterwards as stale anyway.
        planfile.unlink(missing_ok=True)
        meta_path(cluster).unlink(missing_ok=True)
    return save_outputs(env_dir, cluster, tf=tf)


def outputs(env_dir: Path, *, tf: Terraform | None = None) -> dict[str, Any]:
    from python_terraform import IsFlagged

    tf = tf or Terraform(env_dir)
    value = tf.json("output", no_color=IsFlagged)
    return value if isinstance(value, dict) else {}


def save_outputs(env_dir: Path, cluster: str, *, tf: Terraform | None = None) -> Path:
    """Write `terraform output -json` where `wastectl nodes --source terraform` reads it."""
    values = outputs(env_dir, tf=tf)
    path = outputs_path(cluster)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def destroy(
    env_dir: Path,
    cluster: str,
    *,
    variables: dict[str, str] | None = None,
    on_event: OnEvent | None = None,
    tf: Terraform | None = None,
) -> None:
    """`terraform destroy -auto-approve` (the caller confirmed); forgets the saved outputs."""
    from python_terraform import IsFlagged

    tf = tf or Terraform(env_dir)
    tf.stream(
        "destroy",
        on_event=_relay(on_event),
        input=False,
        no_color=IsFlagged,
        auto_approve=IsFlagged,
        var=_var_args(_variables(cluster, variables)),
    )
    outputs_path(cluster).unlink(missing_ok=True)
    for path in (plan_path(cluster), meta_path(cluster)):
        path.unlink(missing_ok=True)


def provision(env_dir: Path, cluster: str, *, on_event: OnEvent | None = None) -> Path:
    """init -> plan (saved plan file) -> apply exactly that plan -> outputs.json; returns its path.

    For `wastectl rebuild`, which has already asked for confirmation. Raises InfraError (exit
    code and the tail of Terraform's output in the message) on any failure.
    """
    tf = Terraform(env_dir)
    if on_event is not None:
        on_event(f"terraform init in {tf.workdir}")
    init(env_dir, tf=tf)
    result = plan(env_dir, cluster, on_event=on_event, tf=tf)
    if on_event is not None:
        totals = result.summary.totals()
        on_event("plan: " + (", ".join(f"{n} to {a}" for a, n in totals.items()) or "no changes"))
    return apply(env_dir, cluster, on_event=on_event, tf=tf)


__all__ = ["ExitCode", "InfraError", "apply", "destroy", "init", "outputs", "plan", "provision"]
