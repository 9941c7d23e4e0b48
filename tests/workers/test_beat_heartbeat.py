"""Celery beat started with the chart's own arguments keeps its liveness heartbeat fresh."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.charts.support import RELEASE, by_kind, render
from tests.support.processes import wait_for
from tests.workers.support import REPO_ROOT, settings_env

pytestmark = [pytest.mark.services, pytest.mark.slow]


def test_beat_from_the_chart_args_writes_its_heartbeat(stack_values: dict[str, Any], tmp_path: Path) -> None:
    beat = by_kind(render(), "Deployment")[f"{RELEASE}-beat"]
    args: list[str] = beat["spec"]["template"]["spec"]["containers"][0]["args"]
    # The container's /tmp is this test's tmp_path.
    args = [a.replace("/tmp/", f"{tmp_path}/") for a in args]
    assert args[:3] == ["celery", "--app=workers.main", "beat"]
    heartbeat = tmp_path / "heartbeat"
    env = settings_env({**stack_values, "heartbeat_file": heartbeat, "heartbeat_interval_seconds": 0.5})
    log = (tmp_path / "beat.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", *args], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert wait_for(heartbeat.exists, timeout=30), (tmp_path / "beat.log").read_text()
        first = heartbeat.stat().st_mtime
        assert wait_for(lambda: heartbeat.stat().st_mtime > first, timeout=5)
        assert abs(time.time() - float(heartbeat.read_text())) < 5
        assert (tmp_path / "celerybeat-schedule").exists() or any(tmp_path.glob("celerybeat-schedule*"))
        assert process.poll() is None, (tmp_path / "beat.log").read_text()
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
