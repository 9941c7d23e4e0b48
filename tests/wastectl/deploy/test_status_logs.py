"""`status` and `logs` against a release installed by the real Helm SDK into the fake API server."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.wastectl.deploy.fakecluster import FakeCluster
from tests.wastectl.fleet.cli import run_cli

NO_REGISTRY = "--skip-image-check"


def _pods(cluster: FakeCluster, component: str) -> list[str]:
    return sorted(
        p["metadata"]["name"]
        for p in cluster.objects("pods", "waste")
        if p["metadata"]["labels"].get("app.kubernetes.io/component") == component
    )


def test_status_shows_a_crash_looping_pod_and_exits_1(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "deploy", "--tag", "v1", "--wait", NO_REGISTRY).code == 0
    healthy = run_cli(capsys, "status", "-o", "json")
    assert healthy.code == 0, healthy.out
    data = healthy.json()["data"]
    assert data["revision"]["revision"] == 1 and data["revision"]["status"] == "deployed"
    assert {(w["name"], w["ready"], w["desired"], w["image_tag"]) for w in data["workloads"]} == {
        ("wc-api", 2, 2, "v1"),
        ("wc-beat", 1, 1, "v1"),
        ("wc-worker-analyse", 1, 1, "v1"),
    }
    assert len(data["pods"]) == 4 and all(
        p["ready"] and p["node"].startswith("k8s-worker-") for p in data["pods"]
    )

    cluster.behaviour["v2"] = "crash"
    assert run_cli(capsys, "deploy", "--tag", "v2", NO_REGISTRY).code == 0  # no --wait: Helm does not wait
    time.sleep(0.5)
    sick = run_cli(capsys, "status", "-o", "json")
    assert sick.code == 1
    body = sick.json()
    assert body["ok"] is False
    crashing = [p for p in body["data"]["pods"] if "CrashLoopBackOff" in p["reason"]]
    assert crashing and all(p["restarts"] == 7 and not p["ready"] for p in crashing)
    assert any("not ready: CrashLoopBackOff: back-off 5m0s" in m for m in body["data"]["problems"])
    # The old pods keep serving while the new ones crash: ready stays at the old count.
    api = next(w for w in body["data"]["workloads"] if w["name"] == "wc-api")
    assert api["image_tag"] == "v2" and api["ready"] == 2 and api["healthy"] is False
    assert (
        "deployment wc-api: rollout of tag v2 not finished (4 pods for 2 desired; the old ones still serve)"
        in (body["data"]["problems"])
    )

    table = run_cli(capsys, "status")
    assert table.code == 1
    assert "CrashLoopBackOff" in table.out and "not healthy:" in table.out
    assert "revision 2 deployed" in table.out


def test_status_names_the_scheduler_message_of_a_pending_pod(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster.behaviour["big"] = "pending"
    assert run_cli(capsys, "deploy", "--tag", "big", NO_REGISTRY).code == 0
    time.sleep(0.3)
    run = run_cli(capsys, "status", "-o", "json")
    assert run.code == 1
    reasons = {p["reason"] for p in run.json()["data"]["pods"]}
    assert any(
        r.startswith("Unschedulable: 0/4 nodes are available: 4 Insufficient memory.") for r in reasons
    )
    assert all(p["phase"] == "Pending" and p["node"] == "-" for p in run.json()["data"]["pods"])


def test_logs_merge_every_pod_in_time_order(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "deploy", "--tag", "v1", "--wait", NO_REGISTRY).code == 0
    first, second = _pods(cluster, "api")
    start = datetime.now(UTC) + timedelta(seconds=1)
    for i in range(6):
        pod = first if i % 2 == 0 else second
        cluster.log("waste", pod, f"GET /healthz {i}", at=start + timedelta(milliseconds=10 * i))
    run = run_cli(capsys, "logs", "api", "--grep", "healthz")
    assert run.code == 0, run.err
    assert run.out.splitlines() == [f"{first if i % 2 == 0 else second} | GET /healthz {i}" for i in range(6)]

    tail = run_cli(capsys, "logs", "api", "--tail", "1")
    assert sorted(tail.out.splitlines()) == sorted(
        [f"{first} | GET /healthz 4", f"{second} | GET /healthz 5"]
    )
    none = run_cli(capsys, "logs", "beat", "--since", "1s", "--grep", "nothing-matches")
    assert none.code == 0 and none.out == ""


def _reader(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line.rstrip("\n"))


def _wait_for(lines: queue.Queue[str], wanted: str, seen: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=0.2))
        except queue.Empty:
            continue
        if wanted in seen[-1]:
            return
    raise AssertionError(f"{wanted!r} not in {seen}")


def test_logs_follow_streams_two_pods_and_picks_up_new_pods_of_a_rollout(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "deploy", "--tag", "v1", "--wait", NO_REGISTRY).code == 0
    first, second = _pods(cluster, "api")
    process = subprocess.Popen(
        [sys.executable, "-m", "wastectl", "logs", "api", "-f", "--since", "1m"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_reader, args=(process, lines), daemon=True).start()
    seen: list[str] = []
    try:
        _wait_for(lines, f"{second} | starting api", seen)
        cluster.log("waste", first, "scan 1 accepted")
        _wait_for(lines, f"{first} | scan 1 accepted", seen)
        cluster.log("waste", second, "scan 2 accepted")
        _wait_for(lines, f"{second} | scan 2 accepted", seen)

        # A rollout replaces both pods; the new ones are followed from their first line.
        assert run_cli(capsys, "deploy", "--tag", "v2", "--wait", NO_REGISTRY).code == 0
        new = [p for p in _pods(cluster, "api") if p not in (first, second)]
        assert len(new) == 2
        cluster.log("waste", new[0], "served by the new revision")
        _wait_for(lines, f"{new[0]} | served by the new revision", seen)
        wanted = f"{new[1]} | starting api image=ghcr.io/example/wastecoach:v2"
        if not any(line.startswith(wanted) for line in seen):
            _wait_for(lines, wanted, seen)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    assert process.returncode == 130


def test_status_watch_redraws_until_ctrl_c(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "deploy", "--tag", "v1", "--wait", NO_REGISTRY).code == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "wastectl", "status", "--watch", "--interval", "0.5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    time.sleep(4)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 130, err
    assert "release wc in waste: revision 1 deployed" in out and "healthy" in out
    assert run_cli(capsys, "status", "--watch", "-o", "json").code == 2
