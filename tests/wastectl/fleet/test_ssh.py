"""`wastectl ssh` and `known-hosts` against real sshd nodes: host keys, auth failures, bastion, pty."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shlex
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.wastectl.fleet.cli import run_cli
from tests.wastectl.fleet.harness import Fleet, cli_env, free_port, keygen
from wastectl.nodes.knownhosts import known_hosts_path

REPO = Path(__file__).resolve().parents[3]


def test_unknown_host_key_is_refused_then_accepted_with_accept_new(
    fleet: Fleet, inventory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, "ssh", "master", "--inventory", str(inventory), "--", "echo hi")
    assert run.code == 1
    assert "unknown host key for node master" in run.err and "--accept-new" in run.err
    assert not known_hosts_path("testc").exists()

    run = run_cli(capsys, "ssh", "master", "--inventory", str(inventory), "--accept-new", "--", "echo hi")
    assert run.code == 0, run.err
    master = fleet.node("master")
    recorded = known_hosts_path("testc").read_text()
    assert recorded.startswith(f"[{master.address}]:{master.port} ssh-ed25519 ")

    run = run_cli(capsys, "ssh", "master", "--inventory", str(inventory), "--", "echo again")
    assert run.code == 0, run.err


def test_command_output_and_exit_status_pass_through(
    fleet: Fleet, inventory: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from wastectl.app import main

    with pytest.raises(SystemExit) as exc:
        main(
            [
                "ssh",
                "worker-1",
                "--inventory",
                str(inventory),
                "--accept-new",
                "--",
                "echo out; echo err >&2; kubeadm version -o short; exit 7",
            ]
        )
    assert exc.value.code == 7
    captured = capfd.readouterr()
    assert "out\nv1.28.4\n" in captured.out
    assert "err" in captured.err


def test_changed_host_key_is_refused_with_the_forget_command(
    fleet: Fleet, inventory: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    master = fleet.node("master")
    other = tmp_path / "other_host_key"
    keygen(other)
    known = known_hosts_path("testc")
    known.parent.mkdir(parents=True, exist_ok=True)
    keytype, blob = other.with_suffix(".pub").read_text().split()[:2]
    known.write_text(f"[{master.address}]:{master.port} {keytype} {blob}\n")

    hint = f"forget the old key: wastectl known-hosts forget master --inventory {inventory}\n"
    for extra in ([], ["--accept-new"]):
        run = run_cli(capsys, "ssh", "master", "--inventory", str(inventory), *extra, "--", "true")
        assert run.code == 1
        assert "has CHANGED" in run.err
        assert hint in run.err

    # the hint is run exactly as printed
    command = shlex.split(run.err.split("forget the old key: ", 1)[1].splitlines()[0])
    assert command[:3] == ["wastectl", "known-hosts", "forget"]
    run = run_cli(capsys, *command[1:])
    assert run.code == 0 and "forgot 1 key(s)" in run.err
    assert known.read_text() == ""
    assert (
        run_cli(capsys, "ssh", "master", "--inventory", str(inventory), "--accept-new", "--", "true").code
        == 0
    )
    listed = run_cli(capsys, "known-hosts", "list", "--cluster", "testc", "-o", "json").json()["data"]["keys"]
    assert [k["host"] for k in listed] == [f"[{master.address}]:{master.port}"]
    assert listed[0]["fingerprint"].startswith("SHA256:")


def test_changed_key_hint_selects_the_same_inventory(inventory: Path, tmp_path: Path) -> None:
    """Terraform outputs (found by --cluster) and EC2 (by tag) are selected by the cluster name."""
    from wastectl.nodes.model import Inventory

    outputs = tmp_path / "out dir" / "outputs.json"
    terraform = Inventory("c1", f"terraform:{outputs}", ())
    assert terraform.selector_args == f"--tf-outputs '{outputs}' --cluster c1"
    assert Inventory("c1", "ec2:ap-northeast-2", ()).selector_args == "--cluster c1"
    assert Inventory("c1", f"static:{inventory}", ()).selector_args == f"--inventory {inventory}"


def test_wrong_key_names_node_user_and_key(
    fleet: Fleet, inventory: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong_key"
    keygen(wrong)
    run = run_cli(
        capsys,
        "ssh",
        "worker-2",
        "--inventory",
        str(inventory),
        "--accept-new",
        "--key",
        str(wrong),
        "--",
        "true",
    )
    node = fleet.node("worker-2")
    assert run.code == 1
    assert (
        f"authentication failed for node worker-2 as root@{node.address}:{node.port} with key {wrong}"
        in run.err
    )
    run = run_cli(
        capsys,
        "ssh",
        "worker-2",
        "--inventory",
        str(inventory),
        "--accept-new",
        "--user",
        "nobody-here",
        "--",
        "true",
    )
    assert "authentication failed for node worker-2 as nobody-here@" in run.err


def test_missing_key_file_and_unreachable_node(
    fleet: Fleet, inventory: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run = run_cli(
        capsys, "ssh", "master", "--inventory", str(inventory), "--key", str(tmp_path / "nokey"), "--", "true"
    )
    assert run.code == 2 and "does not exist" in run.err  # configuration, not the node
    dead = tmp_path / "dead.yaml"
    port = free_port("127.0.0.1")
    dead.write_text(
        f"ssh: {{user: root, key: {fleet.client_key}, agent: false}}\n"
        f"nodes:\n  - {{name: ghost, host: 127.0.0.1, port: {port}}}\n"
    )
    run = run_cli(capsys, "ssh", "ghost", "--inventory", str(dead), "--", "true")
    assert run.code == 1 and "node ghost (root@127.0.0.1:" in run.err and "unreachable" in run.err


def test_unknown_node_is_exit_2_listing_known_nodes(
    inventory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, "ssh", "worker-9", "--inventory", str(inventory), "--", "true")
    assert run.code == 2
    assert "unknown node 'worker-9'" in run.err
    assert "known nodes: master, worker-1, worker-2, storage" in run.err
    run = run_cli(capsys, "known-hosts", "forget", "worker-9", "--inventory", str(inventory))
    assert run.code == 2 and "known nodes: master, worker-1, worker-2, storage" in run.err


def test_jump_host(fleet: Fleet, inventory: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from wastectl.app import main

    bastion = fleet.node("storage")
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "ssh",
                "worker-1",
                "--inventory",
                str(inventory),
                "--accept-new",
                "--jump",
                f"root@{bastion.address}:{bastion.port}",
                "--",
                "echo via-bastion",
            ]
        )
    assert exc.value.code == 0
    assert "via-bastion" in capfd.readouterr().out
    log = (bastion.dir / "sshd.log").read_text()
    assert "direct-tcpip" in log or "Accepted publickey" in log


def _set_winsize(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _read_until(fd: int, marker: bytes, timeout: float = 10) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data += os.read(fd, 4096)
            except OSError:
                break
    return data


def test_interactive_shell_pty_resize_and_exit_status(fleet: Fleet, inventory: Path) -> None:
    master_fd, slave_fd = pty.openpty()
    _set_winsize(slave_fd, 33, 101)
    proc = subprocess.Popen(
        [sys.executable, "-m", "wastectl", "ssh", "master", "--inventory", str(inventory), "--accept-new"],
        stdin=slave_fd,
        stdout=slave_fd,
        stderr=slave_fd,
        cwd=REPO,
        start_new_session=True,
        env=cli_env(REPO, XDG_STATE_HOME=os.environ["XDG_STATE_HOME"], TERM="xterm"),
    )
    os.close(slave_fd)
    try:
        _read_until(master_fd, b"# ")  # the remote prompt
        os.write(master_fd, b"stty size; echo SIZE-$((40+2))\n")
        first = _read_until(master_fd, b"SIZE-42\r\n")
        assert b"33 101" in first, first
        _set_winsize(master_fd, 45, 132)
        proc.send_signal(signal.SIGWINCH)
        time.sleep(0.3)
        os.write(master_fd, b"stty size; tty; echo RE-$((40+3))\n")
        second = _read_until(master_fd, b"RE-43\r\n")
        assert b"45 132" in second and b"/dev/pts/" in second, second
        # Ctrl-C is a byte for the remote pty (raw mode): it stops the remote command, not wastectl
        os.write(master_fd, b"sleep 60\n")
        time.sleep(0.3)
        os.write(master_fd, b"\x03")
        os.write(master_fd, b"echo BACK-$((40+4))\n")
        back = _read_until(master_fd, b"BACK-44\r\n")
        assert b"BACK-44\r\n" in back and proc.poll() is None, back
        os.write(master_fd, b"exit 5\n")
        assert proc.wait(10) == 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master_fd)


def test_ssh_agent_keys_are_used_when_no_key_file_is_given(
    fleet: Fleet, tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    from wastectl.app import main

    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 5
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        env = {**os.environ, "SSH_AUTH_SOCK": str(sock)}
        subprocess.run(["ssh-add", "-q", str(fleet.client_key)], env=env, check=True, capture_output=True)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        path = fleet.write_inventory(tmp_path / "inv.yaml")
        data = yaml.safe_load(path.read_text())
        data["ssh"] = {"user": "root", "agent": True}  # no key file at all
        path.write_text(yaml.safe_dump(data))
        with pytest.raises(SystemExit) as exc:
            main(["ssh", "storage", "--inventory", str(path), "--accept-new", "--", "echo via-agent"])
        assert exc.value.code == 0
        assert "via-agent" in capfd.readouterr().out
        with pytest.raises(SystemExit) as exc:
            main(["ssh", "storage", "--inventory", str(path), "--no-agent", "--", "true"])
        assert exc.value.code == 1
        assert "no key (set --key or enable the agent)" in capfd.readouterr().err
    finally:
        agent.terminate()
        agent.wait(5)
