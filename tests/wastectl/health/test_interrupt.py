"""Ctrl-C during `wastectl health`: exit 130 promptly, remote check commands do not linger."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.wastectl.fleet.harness import Fleet, cli_env

REPO = Path(__file__).resolve().parents[3]


def _standins_running(fleet: Fleet) -> set[str]:
    """Names of the nodes on which a stand-in (e.g. `systemctl`) is running right now."""
    running = set()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue
        for node in fleet.nodes:
            if str(node.dir / "bin") + "/" in args:
                running.add(node.name)
    return running


def test_ctrl_c_during_health_exits_130_promptly(fleet: Fleet, inventory: Path, kubeconfig: Path) -> None:
    for node in fleet.nodes:
        node.set_state(delay="30")  # stand-ins sleep until the 10 s check timeout: checks in flight
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wastectl",
            "health",
            "--inventory",
            str(inventory),
            "--accept-new",
            "--kubeconfig",
            str(kubeconfig),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        text=True,
        env=cli_env(REPO, XDG_STATE_HOME=os.environ["XDG_STATE_HOME"]),
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(_standins_running(fleet)) < len(fleet.nodes):
            time.sleep(0.05)
        assert len(_standins_running(fleet)) == len(fleet.nodes), "the node checks never started"
        interrupted = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - interrupted
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, out + err
    assert "interrupted during round 1: no report" in err
    assert "score" not in out
    assert took < 6, f"health took {took:.1f}s to stop after Ctrl-C (the checks end at 10 s)"
