"""The rebuild state file: each stage's status, timing, inputs and failure, per cluster.

Written atomically (temporary file + rename) after every transition, so Ctrl-C or a crash at
any point leaves a file the next run can read: a stage found `running` was cut off mid-way.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from wastectl.errors import UsageError


class Stage(StrEnum):
    preflight = "preflight"
    infra = "infra"
    wait = "wait"
    bootstrap = "bootstrap"
    deploy = "deploy"
    verify = "verify"


STAGES: tuple[Stage, ...] = tuple(Stage)


class Status(StrEnum):
    pending = "pending"
    running = "running"
    ok = "ok"
    failed = "failed"
    interrupted = "interrupted"
    skipped = "skipped"  # not part of this run's pipeline (infra with --no-infra, deploy with --no-deploy)


def digest(inputs: dict[str, Any]) -> str:
    blob = json.dumps(inputs, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


@dataclass
class StageRecord:
    status: Status = Status.pending
    started_at: float | None = None
    finished_at: float | None = None
    duration_s: float | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    inputs_digest: str | None = None
    message: str | None = None
    tail: str | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> StageRecord:
        record = cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})
        record.status = Status(record.status)
        return record


@dataclass
class RebuildState:
    cluster: str
    path: Path
    stages: dict[Stage, StageRecord] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)

    def record(self, stage: Stage) -> StageRecord:
        return self.stages.setdefault(stage, StageRecord())

    @classmethod
    def load(cls, cluster: str, path: Path) -> RebuildState:
        state = cls(cluster=cluster, path=path)
        if not path.is_file():
            return state
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            for name, item in (raw.get("stages") or {}).items():
                if name in Stage.__members__:
                    state.stages[Stage(name)] = StageRecord.from_dict(item)
            state.runs = list(raw.get("runs") or [])
        except (OSError, ValueError, TypeError) as exc:
            raise UsageError(
                f"unreadable rebuild state {path}: {exc}",
                hint="move it away to start over (every stage then runs again)",
            ) from None
        return state

    def as_dict(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster,
            "updated_at": time.time(),
            "stages": {str(stage): asdict(self.record(stage)) for stage in STAGES},
            "runs": self.runs[-20:],
        }

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(self.as_dict(), indent=2, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
