"""The scan-execution policy (api/scans/policy.py) and the in-process runner acting on it."""

from __future__ import annotations

import threading
import uuid

import pytest

from api.analyser.base import PermanentAnalyserError, TransientAnalyserError
from api.context import AppContext
from api.scans.policy import INTERNAL_ERROR, Fail, Retry, ScanPolicy
from api.scans.runtime import ScanRuntime
from api.settings import Settings
from api.tasks.dispatch import run_stage
from api.tasks.names import TaskName

POLICY = ScanPolicy(max_attempts=3, retry_base_seconds=2.0, retry_max_seconds=5.0)


def test_transient_errors_and_crashes_retry_until_the_attempts_run_out() -> None:
    for exc, code in ((TransientAnalyserError("rate_limited", "429"), "rate_limited"),
                      (RuntimeError("boom"), INTERNAL_ERROR)):  # fmt: skip
        first, second, last = (POLICY.decide(exc, attempt) for attempt in (1, 2, 3))
        assert isinstance(first, Retry) and isinstance(second, Retry)
        assert (first.code, second.code) == (code, code)
        assert isinstance(last, Fail) and last.code == code
        assert last.reason.startswith("gave up after 3 attempts: ")
    crash = POLICY.decide(RuntimeError("boom"), 3)
    assert isinstance(crash, Fail) and crash.reason.endswith("RuntimeError: boom")


def test_permanent_errors_fail_at_once() -> None:
    assert POLICY.decide(PermanentAnalyserError("refused", "no"), 1) == Fail("refused", "no")


def test_backoff_doubles_up_to_the_ceiling_with_jitter() -> None:
    for attempt, ceiling in ((1, 2.0), (2, 4.0), (3, 5.0), (9, 5.0)):
        delay = POLICY.backoff_seconds(attempt)
        assert ceiling * 0.5 <= delay <= ceiling


def test_the_in_process_runner_retries_a_crash_like_the_celery_task(settings: Settings) -> None:
    """A stage that crashes once is run again (it used to fail the scan at once in process)."""
    ctx = AppContext.from_settings(settings.model_copy(update={"scan_retry_base_seconds": 0.0}))
    calls: list[int] = []

    def crashes_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("lost the connection")
        return "finished"

    try:
        result = run_stage(
            ScanRuntime.from_context(ctx), uuid.uuid4(), TaskName.scan_post, crashes_once, threading.Event()
        )
        retries = ctx.telemetry.registry.get_sample_value(
            "waste_task_retries_total", {"task": TaskName.scan_post, "code": INTERNAL_ERROR}
        )
    finally:
        ctx.close()
    assert (result, len(calls), retries) == ("finished", 2, 1)


@pytest.mark.parametrize("stopping", [False, True])
def test_the_in_process_runner_gives_up_after_the_policy_attempts(settings: Settings, stopping: bool) -> None:
    ctx = AppContext.from_settings(
        settings.model_copy(update={"scan_retry_base_seconds": 0.0, "scan_max_attempts": 2})
    )
    calls: list[int] = []
    stop = threading.Event()
    if stopping:
        stop.set()

    def always_transient() -> None:
        calls.append(1)
        raise TransientAnalyserError("timeout", "slow")

    try:
        result = run_stage(
            ScanRuntime.from_context(ctx), uuid.uuid4(), TaskName.scan_analyse, always_transient, stop
        )
    finally:
        ctx.close()
    # Shutting down leaves the scan pending for the sweep after the first failure; otherwise it
    # runs max_attempts times.
    assert (result, len(calls)) == (None, 1 if stopping else 2)
