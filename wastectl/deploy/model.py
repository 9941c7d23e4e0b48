"""Names of the deploy domain: release states, app services, revisions and plan changes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class ReleaseStatus(StrEnum):
    deployed = "deployed"
    superseded = "superseded"
    failed = "failed"
    pending_install = "pending-install"
    pending_upgrade = "pending-upgrade"
    pending_rollback = "pending-rollback"
    uninstalling = "uninstalling"
    uninstalled = "uninstalled"
    unknown = "unknown"

    @classmethod
    def of(cls, value: object) -> ReleaseStatus:
        try:
            return cls(str(value))
        except ValueError:
            return cls.unknown

    @property
    def pending(self) -> bool:
        return self.value.startswith("pending-")


class Service(StrEnum):
    """The app's workloads, by the chart's `app.kubernetes.io/component` label."""

    api = "api"
    worker = "worker"
    beat = "beat"


class ChangeKind(StrEnum):
    add = "add"
    change = "change"
    remove = "remove"
    unchanged = "unchanged"


@dataclass
class Revision:
    revision: int
    status: ReleaseStatus
    updated: str
    chart: str
    chart_version: str
    app_version: str
    image_tag: str | None
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value}


@dataclass
class FieldChange:
    path: str
    old: Any
    new: Any

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ResourceChange:
    action: ChangeKind
    kind: str
    name: str
    namespace: str | None
    hook: bool = False
    fields: list[FieldChange] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "kind": self.kind,
            "name": self.name,
            "namespace": self.namespace,
            "hook": self.hook,
            "fields": [f.as_dict() for f in self.fields],
        }


@dataclass
class DeployResult:
    release: str
    namespace: str
    revision: int
    status: ReleaseStatus
    action: str  # install | upgrade | rollback
    image_tag: str | None
    seconds: float
    rolled_back_to: int | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value}
