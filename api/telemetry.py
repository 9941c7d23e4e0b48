"""Scan, LLM and task metrics, recorded wherever the pipeline runs (API process or Celery worker).

One `Telemetry` (own registry, no process-global state) lives on each `AppContext`: the API serves
it on `/metrics` next to the request metrics, a worker on its metrics port (workers/observability).
Label values are bounded: statuses and stages are `api.scans.status.ScanStatus` values (taken as
plain strings: the scan feature records here, so this module does not import it), failure and
error codes outside the known set become `other`, provider and model come from the settings,
queues from api/tasks/names.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from api.analyser.base import AnalyserError, Analysis
from api.db import utcnow

# Codes the analyser, pipeline and tasks give a failure (api/analyser, api/scans/pipeline, workers/scans).
FAILURE_CODES = frozenset(
    {
        "rate_limited", "timeout", "connection_error", "upstream_error", "quota_exhausted",
        "provider_rejected", "refused", "invalid_output", "image_missing", "too_many_attempts",
        "internal_error",
    }
)  # fmt: skip
SCAN_BUCKETS = (0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 45, 60, 120, 300, 600)
LLM_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 45, 60)


def bounded_code(code: str | None) -> str:
    if not code:
        return "none"
    return code if code in FAILURE_CODES else "other"


def seconds_since(moment: datetime | None) -> float:
    if moment is None:
        return 0.0
    return max(0.0, (utcnow() - moment).total_seconds())


class Telemetry:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.scans_finished = Counter(
            "waste_scans_finished",
            "Scans that reached a final status",
            ["status", "failure_code"],
            registry=r,
        )
        self.scan_duration = Histogram(
            "waste_scan_duration_seconds", "Upload to final status (end to end)", ["status"],
            registry=r, buckets=SCAN_BUCKETS,
        )  # fmt: skip
        self.stage_duration = Histogram(
            "waste_scan_stage_duration_seconds", "Time a scan spent in one stage", ["stage"],
            registry=r, buckets=SCAN_BUCKETS,
        )  # fmt: skip
        self.cache_hits = Counter(
            "waste_scan_cache_hits", "Scans answered from the analysis of an identical image", registry=r
        )
        self.llm_latency = Histogram(
            "waste_llm_request_duration_seconds", "One analyser call (a repair retry included)",
            ["provider", "model", "outcome"], registry=r, buckets=LLM_BUCKETS,
        )  # fmt: skip
        self.llm_tokens = Counter(
            "waste_llm_tokens", "Tokens billed by the provider", ["provider", "model", "kind"], registry=r
        )
        self.llm_errors = Counter(
            "waste_llm_errors",
            "Failed analyser calls by error code",
            ["provider", "model", "code"],
            registry=r,
        )
        self.task_retries = Counter(
            "waste_task_retries",
            "Task retries scheduled after a transient error",
            ["task", "code"],
            registry=r,
        )
        self.dead_letters = Counter(
            "waste_task_dead_letters", "Messages rejected into their dead-letter queue", ["queue", "code"],
            registry=r,
        )  # fmt: skip
        self.worker_info = Gauge(
            "waste_worker_consuming", "1 for each queue this worker process consumes", ["queue"], registry=r
        )

    # --- scans ------------------------------------------------------------------------------
    def scan_finished(self, status: str, created_at: datetime | None, code: str | None = None) -> None:
        self.scans_finished.labels(status, bounded_code(code)).inc()
        self.scan_duration.labels(status).observe(seconds_since(created_at))

    def stage_done(self, stage: str, seconds: float) -> None:
        """Time spent in one pending status (`ScanStatus` queued, analysing, grounding)."""
        self.stage_duration.labels(stage).observe(max(0.0, seconds))

    # --- LLM --------------------------------------------------------------------------------
    @contextmanager
    def llm_call(self, provider: str, model: str) -> Iterator[list[Analysis]]:
        """Time one analyser call; append the Analysis to the yielded list to count its tokens."""
        started = time.perf_counter()
        result: list[Analysis] = []
        try:
            yield result
        except AnalyserError as exc:
            self.llm_latency.labels(provider, model, "error").observe(time.perf_counter() - started)
            self.llm_errors.labels(provider, model, bounded_code(exc.code)).inc()
            raise
        except Exception:
            self.llm_latency.labels(provider, model, "error").observe(time.perf_counter() - started)
            self.llm_errors.labels(provider, model, "other").inc()
            raise
        self.llm_latency.labels(provider, model, "ok").observe(time.perf_counter() - started)
        for analysis in result:
            self.llm_tokens.labels(provider, model, "prompt").inc(analysis.prompt_tokens)
            self.llm_tokens.labels(provider, model, "completion").inc(analysis.completion_tokens)

    # --- tasks ------------------------------------------------------------------------------
    def retried(self, task: str, code: str) -> None:
        self.task_retries.labels(task, bounded_code(code)).inc()

    def dead_lettered(self, queue: str, code: str) -> None:
        self.dead_letters.labels(queue, bounded_code(code)).inc()
