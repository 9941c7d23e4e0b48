"""Check specifications and results. IDs are stable: scripts use them with --ignore and in JSON."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


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


@dataclass(frozen=True)
class CheckSpec:
    id: str
    layer: Layer
    severity: Severity
    title: str
    fix: str
    timeout: float = 10.0
    verifies: str = ""  # what the check looks at, for `health --list` (the title when empty)
    roles: str = ""  # "control-plane": node checks that only apply there


@dataclass(frozen=True)
class Result:
    id: str
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
