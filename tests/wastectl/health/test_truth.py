"""`health` cannot say healthy wrongly: Nodes outside the inventory, one error per root cause,
severity-weighted score, live progress, `--list`, `--node`/`--role`."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests.wastectl.fleet.cli import run_cli
from tests.wastectl.fleet.harness import Fleet, start_node
from tests.wastectl.health.fakekube import FakeKube
from tests.wastectl.health.test_health import _by, _health


def _stranger(kube: FakeKube, name: str, ready: str) -> None:
    node = copy.deepcopy(kube.objects["nodes"][0])
    node["metadata"]["name"] = name
    node["status"]["addresses"] = [{"type": "InternalIP", "address": "10.0.9.9"}]
    for cond in node["status"]["conditions"]:
        if cond["type"] == "Ready":
            cond["status"] = ready
    kube.add("nodes", node)


def test_notready_node_missing_from_the_inventory_is_an_error(
    fleet: Fleet, inventory: Path, kubeconfig: Path, kube: FakeKube, capsys: pytest.CaptureFixture[str]
) -> None:
    _stranger(kube, "k8s-worker-9", "False")
    run = _health(capsys, inventory, kubeconfig, "--only", "cluster")
    assert run.code == 1
    expected = "4/4 inventory nodes Ready; NotReady and not in the inventory: k8s-worker-9"
    assert f"[ERROR NodesReady]: cluster: {expected}" in run.out
    assert "score 100/100" not in run.out


def test_ready_node_missing_from_the_inventory_is_a_warning(
    fleet: Fleet, inventory: Path, kubeconfig: Path, kube: FakeKube, capsys: pytest.CaptureFixture[str]
) -> None:
    _stranger(kube, "k8s-worker-8", "True")
    run = _health(capsys, inventory, kubeconfig, "--only", "cluster")
    assert run.code == 0, run.out
    assert (
        "[WARNING NodesReady]: cluster: 4/4 inventory nodes Ready; registered but not in the inventory"
        in (run.out)
    )
    assert "k8s-worker-8 (add them to the inventory, or kubectl delete node NAME)" in run.out


def test_unreachable_node_gives_one_error_and_skips_its_other_checks(
    fleet: Fleet, inventory: Path, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    worker = fleet.node("worker-1")
    worker.stop()
    try:
        run = _health(capsys, inventory, kubeconfig, "--only", "node")
    finally:
        start_node(worker, fleet.base / "authorized_keys")
    assert run.code == 1
    errors = [line for line in run.out.splitlines() if line.startswith("[ERROR")]
    assert len(errors) == 1 and errors[0].startswith("[ERROR NodeReachable]: worker-1: node worker-1")
    assert "skipped" in run.out  # e.g. "[node] 33/34 checks passed, 10 skipped"


def test_failing_etcd_or_a_down_api_server_cannot_score_above_unhealthy(
    fleet: Fleet, inventory: Path, kubeconfig: Path, kube: FakeKube, capsys: pytest.CaptureFixture[str]
) -> None:
    kube.readyz_failing.append("etcd")
    data = _health(capsys, inventory, kubeconfig, "-o", "json").json()["data"]
    assert _by(data, "APIServerReady")["cluster"]["severity"] == "critical"
    assert data["score"] <= 40 and data["band"] == "unhealthy"  # was 85 when every check weighed 1
    run = _health(capsys, inventory, kubeconfig)
    assert "score 40/100: UNHEALTHY" in run.out


def test_one_warning_keeps_a_healthy_band(
    fleet: Fleet, inventory: Path, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet.node("storage").set_state(disk_pct="85")
    data = _health(capsys, inventory, kubeconfig, "-o", "json").json()["data"]
    assert data["healthy"] is True and data["band"] == "healthy" and 90 <= data["score"] < 100


def test_progress_prints_one_line_per_node_as_it_finishes(
    fleet: Fleet, inventory: Path, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet.node("worker-2").set_state(swap="/swapfile file 1G 0B -2")
    run = _health(capsys, inventory, kubeconfig, "--only", "node", "--progress")
    lines = [line for line in run.err.splitlines() if line.startswith("[health] ")]
    assert sorted(line.split(":")[0] for line in lines) == [
        "[health] master",
        "[health] storage",
        "[health] worker-1",
        "[health] worker-2",
    ]
    assert any("worker-2:" in line and "1 problem(s): SwapOff" in line for line in lines)
    quiet = _health(capsys, inventory, kubeconfig, "--only", "node")  # not a terminal: no progress
    assert "[health] master:" not in quiet.err


def test_list_shows_every_check_with_layer_severity_and_what_it_verifies(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from wastectl.health.model import CheckId

    run = run_cli(capsys, "health", "--list", "-o", "json")
    assert run.code == 0, run.err
    rows = run.json()["data"]["checks"]
    assert [r["id"] for r in rows] == list(CheckId)  # the registry, every ID once
    api = next(r for r in rows if r["id"] == "APIServerReady")
    assert api["layer"] == "cluster" and api["severity"] == "critical" and api["verifies"]
    assert api["description"] and api["run_by"] == "health"
    assert next(r for r in rows if r["id"] == "ResetLeftovers")["run_by"] == "reset"
    table = run_cli(capsys, "health", "--list")
    assert "NodeReachable" in table.out and "critical" in table.out
    assert "--list" in run_cli(capsys, "health", "--help").out
    ignored = run_cli(capsys, "health", "--ignore", "ResetLeftovers")  # reset's, not health's
    assert ignored.code == 2 and "unknown check ID(s): resetleftovers" in ignored.err


def test_node_and_role_narrow_the_targets(
    fleet: Fleet, inventory: Path, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _health(capsys, inventory, kubeconfig, "--only", "node", "--node", "worker-2", "-o", "json")
    assert {c["target"] for c in data.json()["data"]["checks"]} == {"worker-2"}
    data = _health(capsys, inventory, kubeconfig, "--only", "node", "--role", "Worker", "-o", "json")
    assert {c["target"] for c in data.json()["data"]["checks"]} == {"worker-1", "worker-2"}
    run = _health(capsys, inventory, kubeconfig, "--node", "worker-9")
    assert run.code == 2 and "unknown node 'worker-9'" in run.err


def test_progress_is_on_by_default_on_a_terminal(fleet: Fleet, inventory: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    from tests.wastectl.fleet.harness import cli_env
    from tests.wastectl.fleet.test_ssh import _read_until

    repo = Path(__file__).resolve().parents[3]
    master_fd, slave_fd = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wastectl",
            "health",
            "--inventory",
            str(inventory),
            "--accept-new",
            "--only",
            "node",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave_fd,
        env=cli_env(repo, XDG_STATE_HOME=os.environ["XDG_STATE_HOME"], TERM="xterm"),
    )
    os.close(slave_fd)
    try:
        seen = _read_until(master_fd, b"@@never@@", timeout=60)  # ends when the pty closes (EIO)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master_fd)
    for name in (b"master", b"worker-1", b"worker-2", b"storage"):
        assert b"[health] " + name + b": " in seen, seen
