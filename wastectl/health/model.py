"""Check specifications and results. IDs are stable: scripts use them with --ignore and in JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from wastectl.health.app import AppTarget
    from wastectl.health.node import Probe
    from wastectl.kube.client import KubeClient
    from wastectl.nodes.model import Inventory


class Layer(StrEnum):
    node = "node"
    cluster = "cluster"
    app = "app"


class Severity(StrEnum):
    critical = "critical"  # the cluster cannot work without it: a failure caps the score below 50
    error = "error"  # a failure makes the cluster unhealthy (exit 1)
    warning = "warning"  # reported and scored, but the cluster still counts as healthy


class Status(StrEnum):
    ok = "ok"
    warn = "warn"  # degraded: half credit, never fails the run
    fail = "fail"  # the check ran and found a problem (reported at the check's severity)
    error = "error"  # the check could not run (node unreachable, API down, timeout)
    skip = "skip"  # not applicable / not configured: not scored


#: How much one check weighs in the score, by severity (a critical failure also caps it).
WEIGHT = {Severity.critical: 10.0, Severity.error: 3.0, Severity.warning: 1.0}
CRITICAL_CAP = 40


class CheckId(StrEnum):
    """Every check's stable ID: scripts use them with --ignore and read them in JSON."""

    NodeReachable = "NodeReachable"
    Sudo = "Sudo"
    SwapOff = "SwapOff"
    IPForward = "IPForward"
    BrNetfilter = "BrNetfilter"
    DiskUsage = "DiskUsage"
    Memory = "Memory"
    ContainerdActive = "ContainerdActive"
    KubeletActive = "KubeletActive"
    CRIRuntime = "CRIRuntime"
    VersionSkew = "VersionSkew"
    CertExpiry = "CertExpiry"
    EtcdHealth = "EtcdHealth"
    EtcdAlarms = "EtcdAlarms"
    EtcdDBSize = "EtcdDBSize"
    TimeSync = "TimeSync"
    ContainerdConfig = "ContainerdConfig"
    ClusterDNS = "ClusterDNS"
    KubeletErrors = "KubeletErrors"
    InodeUsage = "InodeUsage"
    PortsListening = "PortsListening"
    APIServerReady = "APIServerReady"
    NodesReady = "NodesReady"
    NodePressure = "NodePressure"
    KubeSystemPods = "KubeSystemPods"
    CoreDNS = "CoreDNS"
    CNIDaemonSet = "CNIDaemonSet"
    KubeProxy = "KubeProxy"
    KubeletSkew = "KubeletSkew"
    Deployments = "Deployments"
    CrashLoop = "CrashLoop"
    Restarts = "Restarts"
    PVCsBound = "PVCsBound"
    HelmReleases = "HelmReleases"
    RabbitMQQueues = "RabbitMQQueues"
    PostgresReachable = "PostgresReachable"
    RedisReachable = "RedisReachable"
    APIReady = "APIReady"
    ResetLeftovers = "ResetLeftovers"  # run by `reset` after its steps, never by `health`


#: A node check reads the batch's results (`Probe`) under its timeout; a cluster check asks the
#: Kubernetes API about the inventory's cluster; an app check looks at the app's pieces.
NodeCheckFn = Callable[["Probe", float], str]
ClusterCheckFn = Callable[["KubeClient", "Inventory"], str]
AppCheckFn = Callable[["AppTarget"], str]


@dataclass(frozen=True, kw_only=True)
class CheckSpec:
    """One check with everything about it together: its ID, layer (the subclass), severity, what it
    verifies, the fix to print and the function that runs it (wastectl/health/registry.py)."""

    layer: ClassVar[Layer]
    id: CheckId
    severity: Severity
    title: str
    fix: str
    timeout: float = 10.0
    verifies: str = ""  # what the check looks at, for `health --list` (the title when empty)
    in_health: bool = True  # False: run by `reset` after its steps, never by `health`

    def result(self, target: str, status: Status, message: str, seconds: float = 0.0) -> Result:
        return Result(self.id, self.layer, self.severity, target, status, message, self.fix, seconds)


@dataclass(frozen=True, kw_only=True)
class NodeCheck(CheckSpec):
    """Over SSH: `commands` go to the node in one batch, then `run` reads their results."""

    layer: ClassVar[Layer] = Layer.node
    commands: tuple[str, ...] = ()
    run: NodeCheckFn | None = None  # None: NodeReachable, which the connection itself answers
    control_plane_only: bool = False  # etcd, certificates: control-plane nodes only


@dataclass(frozen=True, kw_only=True)
class ClusterCheck(CheckSpec):
    layer: ClassVar[Layer] = Layer.cluster
    run: ClusterCheckFn


@dataclass(frozen=True, kw_only=True)
class AppCheck(CheckSpec):
    layer: ClassVar[Layer] = Layer.app
    run: AppCheckFn
    needs_kube: bool = False  # looks at workloads through the Kubernetes API


@dataclass(frozen=True)
class Result:
    id: CheckId
    layer: Layer
    severity: Severity
    target: str  # node name, "cluster", or the app component
    status: Status
    message: str
    fix: str = ""
    seconds: float = 0.0

    @property
    def level(self) -> str | None:
        """`ERROR`/`WARNING` as printed by the preflight-style report, or None when nothing to report."""
        if self.status is Status.ok or self.status is Status.skip:
            return None
        if self.status is Status.warn or self.severity is Severity.warning:
            return "WARNING"
        return "ERROR"

    @property
    def credit(self) -> float | None:
        return {Status.ok: 1.0, Status.warn: 0.5, Status.fail: 0.0, Status.error: 0.0}.get(self.status)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "layer": str(self.layer),
            "severity": str(self.severity),
            "target": self.target,
            "status": str(self.status),
            "level": self.level,
            "message": self.message,
            "fix": self.fix if self.level else "",
            "seconds": round(self.seconds, 3),
        }


class Outcome(Exception):
    """Raised inside a check to end it with a status other than ok."""

    def __init__(self, status: Status, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def fail(message: str) -> Outcome:
    return Outcome(Status.fail, message)


def warn(message: str) -> Outcome:
    return Outcome(Status.warn, message)


def skip(message: str) -> Outcome:
    return Outcome(Status.skip, message)
