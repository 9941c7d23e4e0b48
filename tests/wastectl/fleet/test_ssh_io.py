"""`ssh -- CMD` forwards stdin (pipes, files, keystrokes with -t); `scp`; --accept-new says which
key it trusted; `exec --timeout` and `--forks`."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.wastectl.fleet.cli import run_cli
from tests.wastectl.fleet.harness import Fleet, cli_env
from tests.wastectl.fleet.test_ssh import _read_until

REPO = Path(__file__).resolve().parents[3]


def _wastectl(*argv: str, **kw: object) -> subprocess.CompletedProcess[str]:
    env = cli_env(REPO, XDG_STATE_HOME=os.environ["XDG_STATE_HOME"])
    return subprocess.run(
        [sys.executable, "-m", "wastectl", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,  # the old behaviour: `cat` waited forever for a stdin that was never sent
        check=False,
        **kw,  # type: ignore[arg-type]
    )


def test_stdin_from_a_pipe_reaches_the_remote_command(fleet: Fleet, inventory: Path) -> None:
    done = _wastectl(
        "ssh", "master", "--inventory", str(inventory), "--accept-new", "--", "cat", input="hi\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "hi\n"


def test_a_script_file_runs_with_bash_s(fleet: Fleet, inventory: Path, tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("echo from-script\nkubeadm version -o short\nexit 3\n")
    with script.open() as handle:
        done = _wastectl(
            "ssh", "worker-1", "--inventory", str(inventory), "--accept-new", "--", "sh", "-s", stdin=handle
        )
    assert done.returncode == 3, done.stderr
    assert done.stdout == "from-script\nv1.28.4\n"


def test_keystrokes_reach_the_remote_command_with_t(fleet: Fleet, inventory: Path) -> None:
    master_fd, slave_fd = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wastectl",
            "ssh",
            "master",
            "-t",
            "--inventory",
            str(inventory),
            "--accept-new",
            "--",
            "read x; echo got-$x-done",
        ],
        stdin=slave_fd,
        stdout=slave_fd,
        stderr=slave_fd,
        start_new_session=True,
        env=cli_env(REPO, XDG_STATE_HOME=os.environ["XDG_STATE_HOME"], TERM="xterm"),
    )
    os.close(slave_fd)
    try:
        time.sleep(1.5)  # connected and the remote `read` waiting
        os.write(master_fd, b"hello\r")
        out = _read_until(master_fd, b"-done")
        assert b"got-hello-done" in out, out
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master_fd)


def test_accept_new_prints_the_fingerprint_it_recorded(
    fleet: Fleet, inventory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = fleet.node("master")
    expected = subprocess.run(
        ["ssh-keygen", "-lf", str(master.dir / "hostkey.pub")], capture_output=True, text=True, check=True
    ).stdout.split()[1]
    run = run_cli(capsys, "ssh", "master", "--inventory", str(inventory), "--accept-new", "--", "true")
    assert run.code == 0, run.err
    assert (
        f"recorded host key for node master ([{master.address}]:{master.port}): ssh-ed25519 {expected}"
        in (run.err)
    )
    run = run_cli(capsys, "ssh", "master", "--inventory", str(inventory), "--accept-new", "--", "true")
    assert "recorded host key" not in run.err  # known now: nothing new trusted


def test_scp_up_and_down_with_verified_host_keys(
    fleet: Fleet, inventory: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = tmp_path / "join.sh"
    local.write_text("kubeadm join 10.0.1.10:6443\n")
    remote_dir = fleet.node("worker-2").dir / "upload"
    remote_dir.mkdir(exist_ok=True)
    run = run_cli(capsys, "scp", str(local), f"worker-2:{remote_dir}", "--inventory", str(inventory))
    assert run.code == 1 and "unknown host key for node worker-2" in run.err  # same rules as ssh
    run = run_cli(
        capsys, "scp", str(local), f"worker-2:{remote_dir}", "--inventory", str(inventory), "--accept-new"
    )
    assert run.code == 0, run.err
    assert (remote_dir / "join.sh").read_text() == local.read_text()
    back = tmp_path / "back"
    back.mkdir()
    run = run_cli(
        capsys,
        "scp",
        f"worker-2:{remote_dir}/join.sh",
        str(back),
        "--inventory",
        str(inventory),
        "-o",
        "json",
    )
    assert run.code == 0, run.err
    assert (back / "join.sh").read_text() == local.read_text()
    assert run.json()["data"]["bytes"] == len(local.read_text())

    run = run_cli(capsys, "scp", str(local), str(back), "--inventory", str(inventory))
    assert run.code == 2 and "exactly one of SRC and DST must be NODE:PATH" in run.err
    run = run_cli(capsys, "scp", "worker-2:/no/such/file", str(back), "--inventory", str(inventory))
    assert run.code == 1 and "copy failed (worker-2:/no/such/file)" in run.err and "Traceback" not in run.err


def test_exec_timeout_stops_the_command_on_every_node(
    fleet: Fleet, inventory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(
        capsys,
        "exec",
        "--all",
        "--inventory",
        str(inventory),
        "--accept-new",
        "--timeout",
        "1",
        "-o",
        "json",
        "--",
        "sleep 30",
    )
    assert run.code == 1
    nodes = run.json()["data"]["nodes"]
    assert {n["exit_status"] for n in nodes} == {124}
    assert {n["error"] for n in nodes} == {"timed out after 1s"}
    assert max(n["seconds"] for n in nodes) < 15


def test_exec_forks_bounds_how_many_nodes_run_at_once(
    fleet: Fleet, inventory: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = tmp_path / "one-at-a-time"
    # a node that finds the lock taken exits 9: with --forks 1 that never happens
    command = f"mkdir {lock} 2>/dev/null || exit 9; sleep 0.4; rmdir {lock}"
    args = ("exec", "--all", "--inventory", str(inventory), "--accept-new", "-o", "json")
    run = run_cli(capsys, *args, "--forks", "1", "--", command)
    assert run.code == 0, run.out
    run = run_cli(capsys, *args, "--forks", "4", "--", command)
    assert 9 in {n["exit_status"] for n in run.json()["data"]["nodes"]}
