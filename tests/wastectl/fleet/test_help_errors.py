"""Help has examples and the inventory schema; errors are ours, with exit 2 for configuration."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.wastectl.fleet.cli import run_cli
from tests.wastectl.fleet.harness import Fleet, free_port

COMMANDS = (
    ["nodes"],
    ["ssh"],
    ["exec"],
    ["scp"],
    ["health"],
    ["reset"],
    ["known-hosts", "list"],
    ["known-hosts", "forget"],
    ["known-hosts", "fetch"],
)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_fleet_command_has_examples(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, *command, "--help")
    assert run.code == 0
    assert "Examples:" in run.out
    assert f"wastectl {command[0]}" in run.out.split("Examples:", 1)[1]


def test_help_shows_brackets_the_inventory_schema_and_the_list_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ssh = run_cli(capsys, "ssh", "--help").out
    assert "Bastion as [user@]host[:port]." in ssh  # Rich used to swallow "[user@]"
    nodes = run_cli(capsys, "nodes", "--help").out
    for text in ("Static inventory", "readonly_kubeconfig:", "jump ([user@]host[:port])", "case-insensitive"):
        assert text in nodes, text
    health = run_cli(capsys, "health", "--help").out
    assert "--list" in health and "wastectl health --list" in health


def _inventory(tmp_path: Path, fleet: Fleet, **ssh: object) -> Path:
    path = fleet.write_inventory(tmp_path / "inv.yaml")
    data = yaml.safe_load(path.read_text())
    data["ssh"].update(ssh)
    path.write_text(yaml.safe_dump(data))
    return path


def test_unknown_keys_in_the_inventory_are_exit_2(
    fleet: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _inventory(tmp_path, fleet, usr="admin")
    run = run_cli(capsys, "nodes", "--inventory", str(path))
    assert run.code == 2
    assert "ssh: unknown key(s) usr; known: agent, auth_timeout" in run.err
    data = yaml.safe_load(path.read_text())
    del data["ssh"]["usr"]
    data["kube_config"] = "x"
    path.write_text(yaml.safe_dump(data))
    run = run_cli(capsys, "nodes", "--inventory", str(path))
    assert run.code == 2 and "unknown key(s) kube_config" in run.err


def test_role_names_are_case_insensitive(
    fleet: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fleet.write_inventory(tmp_path / "inv.yaml")
    data = yaml.safe_load(path.read_text())
    data["nodes"][0]["role"] = "Master"
    path.write_text(yaml.safe_dump(data))
    run = run_cli(capsys, "reset", "all", "--dry-run", "--inventory", str(path))
    assert run.code == 0, run.err
    assert run.out.index("worker-1 (worker):") < run.out.index("master (master):")  # the master goes last
    run = run_cli(capsys, "nodes", "--inventory", str(path), "-o", "json")
    assert run.json()["data"]["nodes"][0]["role"] == "master"


def test_missing_key_file_is_a_configuration_error(
    fleet: Fleet, inventory: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(
        capsys, "ssh", "master", "--inventory", str(inventory), "--key", str(tmp_path / "nokey"), "--", "true"
    )
    assert run.code == 2
    assert f"SSH key {tmp_path / 'nokey'} for node master does not exist" in run.err


def test_refused_connection_is_said_in_our_words(
    fleet: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = tmp_path / "dead.yaml"
    dead.write_text(
        f"ssh: {{user: root, key: {fleet.client_key}, agent: false}}\n"
        f"nodes:\n  - {{name: ghost, host: 127.0.0.1, port: {free_port('127.0.0.1')}}}\n"
    )
    run = run_cli(capsys, "ssh", "ghost", "--inventory", str(dead), "--", "true")
    assert run.code == 1
    assert "is unreachable: connection refused (is sshd running and the port right?)" in run.err
    assert "[Errno" not in run.err and "Unable to connect" not in run.err


@pytest.fixture
def silent_server() -> Iterator[tuple[int, list[bytes]]]:
    """Accepts TCP and then says nothing (or only a banner): what a wedged sshd looks like."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    greeting: list[bytes] = [b""]
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            if greeting[0]:
                conn.sendall(greeting[0])
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1], greeting
    server.close()
    for conn in held:
        conn.close()


def test_a_silent_server_times_out_in_our_words(
    fleet: Fleet, tmp_path: Path, silent_server: tuple[int, list[bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    port, greeting = silent_server
    path = tmp_path / "silent.yaml"
    path.write_text(
        f"ssh: {{user: root, key: {fleet.client_key}, agent: false, connect_timeout: 1, banner_timeout: 1, "
        f"auth_timeout: 1}}\nnodes:\n  - {{name: mute, host: 127.0.0.1, port: {port}}}\n"
    )
    run = run_cli(capsys, "ssh", "mute", "--inventory", str(path), "--accept-new", "--", "true")
    assert run.code == 1
    assert (
        "is unreachable: the SSH handshake did not finish within 1s" in run.err
    )  # was "No existing session"
    greeting[0] = b"SSH-2.0-OpenSSH_9.2p1\r\n"  # a banner, then nothing: the handshake never ends
    run = run_cli(capsys, "ssh", "mute", "--inventory", str(path), "--accept-new", "--", "true")
    assert run.code == 1 and "node mute (root@127.0.0.1:" in run.err
    assert "No existing session" not in run.err and "Errno" not in run.err, run.err
