"""Every destructive command refuses `--yes` without an explicit `--cluster`, and a `--cluster`
that is not the inventory's (or the state's), before it touches anything."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml

from tests.support.cli import run_cli


@pytest.fixture
def listener() -> socket.socket:
    """A port that accepts and never answers: any SSH attempt by a guard that let through would show."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


@pytest.fixture
def inventory(tmp_path: Path, listener: socket.socket) -> Path:
    port = listener.getsockname()[1]
    path = tmp_path / "nodes.yaml"
    nodes = [
        {"name": "master", "role": "control-plane", "host": "127.0.0.1", "port": port},
        {"name": "worker-1", "role": "worker", "host": "127.0.0.1", "port": port},
    ]
    path.write_text(yaml.safe_dump({"cluster": "lab", "nodes": nodes}), encoding="utf-8")
    return path


def _no_connection(listener: socket.socket) -> None:
    listener.setblocking(False)
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()


@pytest.mark.parametrize(
    "argv",
    [
        ["reset", "worker-1", "--yes"],
        ["reset", "all", "--yes", "--skip-drain", "--keep-node"],
        ["rebuild", "--no-infra", "--yes"],
    ],
)
def test_yes_without_cluster_is_refused(argv: list[str], inventory: Path, listener: socket.socket) -> None:
    done = run_cli(*argv, "--inventory", str(inventory))
    assert done.returncode == 2, done.stderr
    assert "--yes needs --cluster NAME" in done.stderr
    _no_connection(listener)


@pytest.mark.parametrize(
    "argv",
    [
        ["reset", "worker-1", "--yes"],
        ["reset", "worker-1"],  # typed confirmation would not help: the target is the wrong cluster
        ["rebuild", "--no-infra", "--yes"],
    ],
)
def test_cluster_other_than_the_inventorys_is_refused(
    argv: list[str], inventory: Path, listener: socket.socket
) -> None:
    done = run_cli(*argv, "--cluster", "prod", "--inventory", str(inventory), input="worker-1\n")
    assert done.returncode == 2, done.stderr
    assert "--cluster 'prod' does not match the inventory" in done.stderr
    assert "cluster 'lab'" in done.stderr
    _no_connection(listener)


def test_reset_without_yes_needs_the_typed_name(inventory: Path, listener: socket.socket) -> None:
    done = run_cli("reset", "worker-1", "--inventory", str(inventory), input="worker-2\n")
    assert done.returncode == 1, done.stderr
    assert "expected 'worker-1'; nothing was changed" in done.stderr
    _no_connection(listener)


@pytest.mark.parametrize("argv", [["destroy", "--yes"], ["infra", "destroy", "--yes"]])
def test_destroy_yes_without_cluster_is_refused(argv: list[str], tmp_path: Path) -> None:
    done = run_cli(*argv, "--dir", str(tmp_path))
    assert done.returncode == 2, done.stderr
    assert "--yes needs --cluster NAME" in done.stderr
