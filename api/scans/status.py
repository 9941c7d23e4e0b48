"""The statuses a scan goes through, defined once (stdlib only, so telemetry and schemas can share it)."""

from __future__ import annotations

from enum import StrEnum


class ScanStatus(StrEnum):
    """queued -> analysing -> grounding -> done, or failed from any pending status."""

    queued = "queued"
    analysing = "analysing"
    grounding = "grounding"
    done = "done"
    failed = "failed"


PENDING_STATUSES: tuple[ScanStatus, ...] = (ScanStatus.queued, ScanStatus.analysing, ScanStatus.grounding)
FINAL_STATUSES: tuple[ScanStatus, ...] = (ScanStatus.done, ScanStatus.failed)
