"""What a saved plan would do: changes grouped by action and resource type, the addresses that
would be replaced or destroyed, and the planned `nodes` for the cost line; plus the fingerprint
that tells a stale plan from a fresh one."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

_CONFIG_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")


class Action(StrEnum):
    create = "create"
    update = "update"
    recreate = "replace"  # (`replace` would shadow str.replace)
    delete = "delete"
    read = "read"
    noop = "no-op"


def action_of(actions: list[str]) -> Action:
    if "create" in actions and "delete" in actions:
        return Action.recreate
    if actions in (["no-op"], []):
        return Action.noop
    return Action(actions[0])


@dataclass
class PlanSummary:
    counts: dict[Action, Counter[str]] = field(default_factory=dict)  # action -> resource type -> n
    replaced: list[str] = field(default_factory=list)
    destroyed: list[str] = field(default_factory=list)
    nodes_after: dict[str, dict[str, Any]] | None = None
    nodes_before: dict[str, dict[str, Any]] | None = None
    region: str | None = None

    @property
    def has_changes(self) -> bool:
        return any(a not in (Action.noop, Action.read) and c for a, c in self.counts.items())

    def totals(self) -> dict[str, int]:
        return {str(a): sum(c.values()) for a, c in self.counts.items() if a is not Action.noop}

    def rows(self) -> list[tuple[str, str, int]]:
        order = [Action.create, Action.update, Action.recreate, Action.delete, Action.read]
        return [
            (str(action), rtype, n)
            for action in order
            for rtype, n in sorted(self.counts.get(action, Counter()).items())
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "changes": [{"action": a, "type": t, "count": n} for a, t, n in self.rows()],
            "totals": self.totals(),
            "replaced": self.replaced,
            "destroyed": self.destroyed,
            "has_changes": self.has_changes,
        }


def summarize(plan: dict[str, Any]) -> PlanSummary:
    """Read `terraform show -json PLANFILE`."""
    summary = PlanSummary()
    for change in plan.get("resource_changes") or []:
        action = action_of(list(change.get("change", {}).get("actions") or []))
        summary.counts.setdefault(action, Counter())[str(change.get("type"))] += 1
        if action is Action.recreate:
            summary.replaced.append(str(change.get("address")))
        elif action is Action.delete:
            summary.destroyed.append(str(change.get("address")))
    nodes = (plan.get("output_changes") or {}).get("nodes") or {}
    summary.nodes_after = _node_map(nodes.get("after"))
    summary.nodes_before = _node_map(nodes.get("before"))
    region = (plan.get("output_changes") or {}).get("region") or {}
    after_region = region.get("after") or region.get("before")
    summary.region = str(after_region) if after_region else None
    return summary


def _node_map(value: Any) -> dict[str, dict[str, Any]] | None:
    if not isinstance(value, dict):
        return None
    return {str(k): v for k, v in value.items() if isinstance(v, dict)}


def config_files(env_dir: Path) -> list[Path]:
    """The environment's own configuration files plus those of every local module it installed."""
    dirs = {env_dir.resolve()}
    manifest = env_dir / ".terraform" / "modules" / "modules.json"
    if manifest.is_file():
        try:
            modules = json.loads(manifest.read_text(encoding="utf-8")).get("Modules") or []
        except (OSError, json.JSONDecodeError):
            modules = []
        for module in modules:
            if module.get("Dir"):
                dirs.add((env_dir / module["Dir"]).resolve())
    files: list[Path] = []
    for directory in sorted(dirs):
        if directory.is_dir():
            files.extend(sorted(p for p in directory.iterdir() if p.name.endswith(_CONFIG_SUFFIXES)))
    lock = env_dir / ".terraform.lock.hcl"
    if lock.is_file():
        files.append(lock)
    return files


def fingerprint(env_dir: Path, variables: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for path in config_files(env_dir):
        digest.update(str(path).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    digest.update(json.dumps(variables, sort_keys=True).encode())
    return digest.hexdigest()
