"""The scan-execution policy, once for both runners: which errors retry, how often, with what backoff.

The in-process runner (`api.tasks.dispatch`) and the Celery tasks (`workers.scans`) both ask
`ScanPolicy.decide` what to do when a stage raised, and act on the answer in their own way (a sleep
in a pool thread, or `task.retry`; a failed scan, plus a dead letter on Celery):

- `TransientAnalyserError` (rate limit, timeout, 5xx, connection error) and any unexpected exception
  (a crash, a database error; code `internal_error`) are retried with exponential backoff and full
  jitter until the stage has run `max_attempts` times, then the scan fails ("gave up after ...").
- `PermanentAnalyserError` (refusal, invalid output, exhausted quota, image gone, too many
  attempts) fails the scan at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from api.analyser.base import PermanentAnalyserError, TransientAnalyserError
from api.settings import Settings

INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True)
class Retry:
    """Run the stage again after `delay` seconds."""

    code: str
    delay: float


@dataclass(frozen=True)
class Fail:
    """Mark the scan failed with this code and reason (on Celery: and dead-letter the message)."""

    code: str
    reason: str


@dataclass(frozen=True)
class ScanPolicy:
    max_attempts: int
    retry_base_seconds: float
    retry_max_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> ScanPolicy:
        return cls(
            max_attempts=settings.scan_max_attempts,
            retry_base_seconds=settings.scan_retry_base_seconds,
            retry_max_seconds=settings.scan_retry_max_seconds,
        )

    def backoff_seconds(self, attempt: int) -> float:
        """Exponential backoff with full jitter: uniform(0.5, 1) x min(max, base x 2^(attempt-1))."""
        ceiling = min(self.retry_max_seconds, self.retry_base_seconds * 2 ** max(0, attempt - 1))
        return float(ceiling) * random.uniform(0.5, 1.0)

    def decide(self, exc: Exception, attempt: int) -> Retry | Fail:
        """What to do after the `attempt`-th run (1-based) of a stage raised `exc`."""
        if isinstance(exc, PermanentAnalyserError):
            return Fail(exc.code, exc.message)
        if isinstance(exc, TransientAnalyserError):
            code, text = exc.code, str(exc)
        else:
            code, text = INTERNAL_ERROR, f"{type(exc).__name__}: {exc}"
        if attempt >= self.max_attempts:
            return Fail(code, f"gave up after {attempt} attempts: {text}")
        return Retry(code, self.backoff_seconds(attempt))
