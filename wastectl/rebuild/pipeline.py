"""Decide which stages run, run them in order, and keep the state file consistent throughout.

A stage runs when: it is named by --only; it is at or after --from; it never succeeded; it failed
or was interrupted; its inputs changed since it succeeded; or an earlier stage ran in this
invocation (its output may differ). Otherwise it is skipped as done.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from wastectl.rebuild.stages import RUNNERS, Context, StageFailed, inputs_of
from wastectl.rebuild.state import STAGES, RebuildState, Stage, Status, digest


@dataclass(frozen=True)
class Step:
    stage: Stage
    run: bool
    reason: str
    inputs: dict[str, Any]
    excluded: bool = False  # not part of this pipeline at all (--no-infra, --no-deploy)


def plan(
    state: RebuildState, ctx: Context, *, from_: Stage | None = None, only: Stage | None = None
) -> list[Step]:
    steps: list[Step] = []
    earlier_runs = False
    for stage in STAGES:
        inputs = inputs_of(stage, ctx)
        record = state.record(stage)
        excluded = (stage is Stage.infra and ctx.env_dir is None) or (
            stage is Stage.deploy and ctx.deploy is None
        )
        if stage is Stage.infra and ctx.env_dir is None:
            run, reason = False, "no Terraform environment (--no-infra)"
        elif stage is Stage.deploy and ctx.deploy is None:
            run, reason = False, "the app is not deployed (--no-deploy)"
        elif only is not None:
            run, reason = stage is only, "--only" if stage is only else "not selected (--only)"
        elif from_ is not None and STAGES.index(stage) < STAGES.index(from_):
            run, reason = False, f"before --from {from_}"
        elif from_ is not None and stage is from_:
            run, reason = True, "--from"
        elif earlier_runs:
            run, reason = True, "an earlier stage ran"
        elif record.status is Status.ok and record.inputs_digest == digest(inputs):
            run, reason = False, "done, inputs unchanged"
        elif record.status is Status.ok:
            changed = sorted(k for k in inputs if record.inputs.get(k) != inputs[k])
            run, reason = True, "inputs changed: " + (", ".join(changed) or "?")
        elif record.status in (Status.pending, Status.skipped):
            run, reason = True, "not run yet"
        else:
            run, reason = True, f"{record.status} last time"
        earlier_runs = earlier_runs or run
        steps.append(Step(stage, run, reason, inputs, excluded))
    return steps


def execute(state: RebuildState, ctx: Context, steps: list[Step], *, command: str) -> dict[str, Any]:
    """Run the steps marked to run. Raises StageFailed / KeyboardInterrupt after saving the state."""
    run_started = time.time()
    entry: dict[str, Any] = {"started_at": run_started, "command": command, "stages": {}}
    state.runs.append(entry)
    try:
        for step in steps:
            if step.excluded:
                skipped = state.record(step.stage)
                skipped.status, skipped.message, skipped.tail = Status.skipped, step.reason, None
                continue
            if not step.run:
                continue
            record = state.record(step.stage)
            record.status, record.started_at, record.finished_at = Status.running, time.time(), None
            record.inputs, record.inputs_digest = step.inputs, digest(step.inputs)
            record.message = record.tail = None
            state.save()
            if ctx.console is not None:
                ctx.console.print(f"[bold]==> {step.stage}[/bold] ({step.reason})", highlight=False)
            started = time.monotonic()
            try:
                record.message = RUNNERS[step.stage](ctx)
                record.status = Status.ok
            except StageFailed as exc:
                record.status, record.message, record.tail = Status.failed, exc.message, exc.tail
                raise
            except KeyboardInterrupt:
                record.status, record.message = Status.interrupted, "interrupted (Ctrl-C)"
                raise
            except Exception as exc:
                message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
                record.status, record.message = Status.failed, str(message)
                raise StageFailed(str(message)) from exc
            finally:
                record.finished_at = time.time()
                record.duration_s = round(time.monotonic() - started, 2)
                entry["stages"][str(step.stage)] = {
                    "status": str(record.status),
                    "duration_s": record.duration_s,
                }
                state.save()
    finally:
        entry["total_s"] = round(time.time() - run_started, 2)
        state.save()
    return entry
