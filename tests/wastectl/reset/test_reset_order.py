"""Reset checks before it drains, waits for evicted pods, and lets every step's exit status count."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wastectl.fleet.harness import Fleet, start_node
from tests.wastectl.health.fakekube import FakeKube
from tests.wastectl.reset.test_reset import _reset


def test_unreachable_target_is_found_before_anything_is_cordoned(
    *,
    fleet: Fleet,
    inventory: Path,
    kube: FakeKube,
    kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    worker = fleet.node("worker-2")
    worker.stop()
    try:
        run = _reset(capsys, inventory, kubeconfig, "all", "--yes")
    finally:
        start_node(worker, fleet.base / "authorized_keys")
    assert run.code == 1
    assert "[ERROR ResetPreflight]: worker-2: node worker-2" in run.out and "unreachable" in run.out
    assert "nothing was cordoned or reset" in run.out
    assert [m for m, _ in kube.requests if m != "GET"] == []  # no cordon, no eviction, no delete
    assert all(not (n.get("spec") or {}).get("unschedulable") for n in kube.objects["nodes"])
    assert all(node.calls() == [] for node in fleet.nodes)


def test_preflight_needs_sudo_and_the_tools(
    *,
    fleet: Fleet,
    inventory: Path,
    kube: FakeKube,
    kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fleet.node("worker-1").set_state(sudo_denied="1")
    run = _reset(capsys, inventory, kubeconfig, "worker-1", "--yes")
    assert run.code == 1
    assert (
        "[ERROR ResetPreflight]: worker-1: `sudo -n true` failed as root (sudo: a password is required)"
        in (run.out)
    )
    assert ("PATCH", "/api/v1/nodes/k8s-worker-1") not in kube.requests

    fleet.node("worker-1").set_state(sudo_denied="0")
    (fleet.node("worker-1").dir / "bin" / "crictl").rename(fleet.node("worker-1").dir / "crictl.off")
    try:
        run = _reset(capsys, inventory, kubeconfig, "worker-1", "--yes")
    finally:
        (fleet.node("worker-1").dir / "crictl.off").rename(fleet.node("worker-1").dir / "bin" / "crictl")
    assert run.code == 1
    assert "worker-1: missing tools: crictl" in run.out
    assert ("PATCH", "/api/v1/nodes/k8s-worker-1") not in kube.requests


def test_drain_waits_until_evicted_pods_are_gone(
    *,
    fleet: Fleet,
    inventory: Path,
    kube: FakeKube,
    kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kube.evict_grace["web-worker-1"] = 1.0
    run = _reset(capsys, inventory, kubeconfig, "worker-1", "--yes")
    assert run.code == 0, run.out + run.err
    assert "waiting for 1 evicted pod(s) to terminate" in run.err
    lists = [p for m, p in kube.requests if m == "GET" and "spec.nodeName" in p]
    assert len(lists) >= 3  # listed, then polled until the terminating pod disappeared
    assert kube.find("pods", "web-worker-1", "waste") is None


def test_pods_that_never_terminate_time_out_with_their_names_and_the_uncordon_command(
    *,
    fleet: Fleet,
    inventory: Path,
    kube: FakeKube,
    kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kube.evict_grace["web-worker-2"] = 60.0
    run = _reset(capsys, inventory, kubeconfig, "worker-2", "--yes", "--drain-timeout", "1")
    assert run.code == 1
    assert "1 evicted pod(s) still terminating: waste/web-worker-2" in run.out
    assert f"kubectl --kubeconfig {kubeconfig} uncordon k8s-worker-2" in run.out
    assert fleet.node("worker-2").calls() == []  # not reset while pods were still there
    assert kube.find("nodes", "k8s-worker-2") is not None


def test_a_failed_step_fails_the_reset_and_keeps_the_node_object(
    *,
    fleet: Fleet,
    inventory: Path,
    kube: FakeKube,
    kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fleet.node("worker-1").set_state(restart_fails="containerd")
    run = _reset(capsys, inventory, kubeconfig, "worker-1", "--yes", "-o", "json")
    assert run.code == 1
    report = run.json()["data"]["nodes"][0]
    assert report["ok"] is False and report["node_deleted"] is False
    assert report["failed_steps"] == ["restart containerd (exit 1)"]
    assert report["uncordon"] == f"kubectl --kubeconfig {kubeconfig} uncordon k8s-worker-1"
    assert kube.find("nodes", "k8s-worker-1") is not None
    assert ("DELETE", "/api/v1/nodes/k8s-worker-1") not in kube.requests

    run = _reset(capsys, inventory, kubeconfig, "worker-1", "--yes")
    assert "[ERROR ResetStep]: worker-1: restart containerd (exit 1)" in run.out
    assert "worker-1 is still cordoned" in run.out
