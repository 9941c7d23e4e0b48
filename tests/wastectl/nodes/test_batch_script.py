"""The batch script's scratch directory goes even when the client does not wait for the answer."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from wastectl.nodes.batch import build_script, parse


def _run(script: str, tmp: Path, *, read_output: bool) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        ["sh", "-s"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(tmp)},
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(script.encode())
    process.stdin.close()
    if not read_output:
        process.stdout.close()  # the client is gone: the script's next printf gets SIGPIPE
    return process


def test_results_come_back_and_the_scratch_directory_goes(tmp_path: Path) -> None:
    marker = "@@test-marker"
    commands = {"echo out; echo err >&2; exit 3": 5.0, "true": 5.0}
    process = _run(build_script(commands, marker), tmp_path, read_output=True)
    assert process.stdout is not None
    output = process.stdout.read().decode()
    assert process.wait(timeout=10) == 0
    results = parse(output, list(commands), marker, 0.0)
    first = results["echo out; echo err >&2; exit 3"]
    assert (first.exit_status, first.stdout.strip(), first.stderr.strip()) == (3, "out", "err")
    assert results["true"].exit_status == 0
    assert list(tmp_path.iterdir()) == []


def test_a_client_that_hung_up_leaves_no_scratch_directory(tmp_path: Path) -> None:
    script = build_script({"sleep 0.3; echo late": 5.0}, "@@test-marker")
    process = _run(script, tmp_path, read_output=False)
    assert process.wait(timeout=10) == 141  # SIGPIPE, turned into an exit that runs the EXIT trap
    assert list(tmp_path.iterdir()) == []
