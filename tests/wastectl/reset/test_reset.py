"""`wastectl reset` against sshd nodes with stand-in binaries (sandboxed paths) and a fake Kubernetes API."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.wastectl.fleet.cli import Run, run_cli
from tests.wastectl.fleet.harness import Fleet
from tests.wastectl.health.fakekube import FakeKube


def _reset(capsys: pytest.CaptureFixture[str], inventory: Path, kubeconfig: Path, *args: str) -> Run:
    return run_cli(
        capsys,
        "reset",
        *args,
        "--cluster",
        "testc",
        "--inventory",
        str(inventory),
        "--accept-new",
        "--kubeconfig",
        str(kubeconfig),
    )


def _wiped(fleet: Fleet, name: str) -> None:
    node = fleet.node(name)
    root = node.root
    home = Path.home().as_posix().lstrip("/")
    assert (root / home).is_dir()  # the parent of ~/.kube survives
    for sub in (
        f"{home}/.kube",
        "etc/kubernetes",
        "var/lib/etcd",
        "var/lib/kubelet",
        "etc/cni/net.d",
        "var/lib/cni",
        "opt/cni/bin",
    ):
        assert not (root / sub).exists(), sub
    calls = node.calls()
    assert "kubeadm reset -f" in calls
    for link in ("cni0", "flannel.1", "tunl0", "vxlan.calico"):
        assert f"ip link delete {link}" in calls
    assert {"iptables -F", "iptables -t nat -F", "iptables -t mangle -F", "iptables -X"} <= set(calls)
    assert "ipvsadm --clear" in calls
    assert any(c.startswith("crictl rm -f 3f1e2d4c5b6a") for c in calls)
    assert "crictl rmi sha256:aaa sha256:bbb" in calls
    assert "systemctl restart containerd" in calls
    assert node.state("links").split() == ["lo", "eth0"]


def test_reset_one_worker_drains_resets_verifies_and_deletes_the_node(
    *,
    fleet: Fleet,
    inventory: Path,
    kube: FakeKube,
    kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _reset(capsys, inventory, kubeconfig, "worker-1", "--yes")
    assert run.code == 0, run.out + run.err
    _wiped(fleet, "worker-1")
    assert fleet.node("worker-2").calls() == []  # nothing else touched
    assert (fleet.node("worker-2").root / "etc/kubernetes").exists()
    assert ("PATCH", "/api/v1/nodes/k8s-worker-1") in kube.requests
    evictions = [path for method, path in kube.requests if path.endswith("/eviction")]
    assert evictions == ["/api/v1/namespaces/waste/pods/web-worker-1/eviction"]  # DaemonSet pod stays
    assert kube.find("pods", "calico-node-worker-1", "kube-system") is not None
    assert kube.find("nodes", "k8s-worker-1") is None
    assert kube.find("nodes", "k8s-worker-2") is not None
    methods = [m for m, p in kube.requests if p.startswith("/api/v1/nodes/k8s-worker-1")]
    assert methods == ["PATCH", "DELETE"]
    assert "[worker-1] kubeadm reset" in run.err and "reset summary" in run.out


def test_reset_all_does_workers_before_the_master(
    *,
    fleet: Fleet,
    inventory: Path,
    kube: FakeKube,
    kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _reset(capsys, inventory, kubeconfig, "all", "--yes", "-o", "json")
    assert run.code == 0, run.out + run.err
    for node in fleet.nodes:
        _wiped(fleet, node.name)
    order = [
        line.split()[0]
        for line in (fleet.base / "fleet-calls.log").read_text().splitlines()
        if line.endswith("kubeadm reset -f")
    ]
    assert order[-1] == "master" and sorted(order[:-1]) == ["storage", "worker-1", "worker-2"]
    assert kube.objects["nodes"] == []
    data = run.json()["data"]
    assert data["succeeded"] == 4 and all(n["ok"] for n in data["nodes"])


def test_leftovers_fail_the_reset_and_keep_the_node_object(
    *,
    fleet: Fleet,
    inventory: Path,
    kube: FakeKube,
    kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check looks at the node itself, at the paths rm was given. The old test-only root
    prefix (which pointed both elsewhere) is gone: its variable changes nothing, its option is unknown."""
    node = fleet.node("worker-2")
    node.set_state(stuck_links="vxlan.calico\n", stuck_paths="/var/lib/kubelet\n")  # a volume still mounted
    monkeypatch.setenv("WASTECTL_ROOT_PREFIX", str(fleet.base / "elsewhere"))
    run = _reset(capsys, inventory, kubeconfig, "worker-2", "--yes")
    assert run.code == 1
    assert "[ERROR ResetLeftovers]: worker-2: link vxlan.calico still exists" in run.out
    assert "[ERROR ResetLeftovers]: worker-2: /var/lib/kubelet still exists" in run.out
    assert "remove Kubernetes, etcd, kubelet and CNI state (exit 1)" in run.out
    assert (node.root / "var/lib/kubelet").is_dir() and not (node.root / "etc/kubernetes").exists()
    assert kube.find("nodes", "k8s-worker-2") is not None  # not deleted while something is left
    run = _reset(capsys, inventory, kubeconfig, "worker-2", "--yes", "--root-prefix", "/tmp")
    assert run.code == 2 and "No such option" in run.err


def test_dry_run_prints_every_step_and_touches_nothing(
    *,
    fleet: Fleet,
    inventory: Path,
    kube: FakeKube,
    kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _reset(capsys, inventory, kubeconfig, "all", "--dry-run")
    assert run.code == 0, run.err
    for text in (
        "kubeadm reset -f",
        "rm -rf",
        "/etc/kubernetes",
        "/var/lib/etcd",
        "/opt/cni/bin",
        ".kube",
        "ip link delete",
        "iptables -F",
        "ipvsadm --clear",
        "crictl rm",
        "systemctl restart containerd",
        "verify ResetLeftovers",
        "DELETE /api/v1/nodes/<worker-1>",
        "(cordon)",
    ):
        assert text in run.out, text
    assert run.out.index("worker-1 (worker):") < run.out.index("master (master):")
    assert kube.requests == []
    assert all(node.calls() == [] for node in fleet.nodes)
    assert (fleet.node("master").root / "etc/kubernetes").exists()


def test_confirmation_must_match_the_name(
    *,
    fleet: Fleet,
    inventory: Path,
    kube: FakeKube,
    kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("worker-2\n"))
    run = _reset(capsys, inventory, kubeconfig, "worker-1")
    assert run.code == 1
    assert "Type 'worker-1' to continue" in run.err and "aborted" in run.err
    assert fleet.node("worker-1").calls() == [] and kube.requests == []

    monkeypatch.setattr("sys.stdin", io.StringIO("testc\n"))
    run = _reset(capsys, inventory, kubeconfig, "all", "--skip-drain", "--keep-node")
    assert run.code == 0, run.err
    assert "Type 'testc' to continue" in run.err
    assert kube.requests == []  # --skip-drain --keep-node: no API at all


def test_unknown_node_is_exit_2(
    inventory: Path, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _reset(capsys, inventory, kubeconfig, "worker-9", "--yes")
    assert run.code == 2
    assert "known nodes: master, worker-1, worker-2, storage" in run.err


def test_pdb_blocked_drain_times_out_and_nothing_is_reset(
    *,
    fleet: Fleet,
    inventory: Path,
    kube: FakeKube,
    kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kube.evict_refusals["web-storage"] = 100
    run = _reset(capsys, inventory, kubeconfig, "storage", "--yes", "--drain-timeout", "1")
    assert run.code == 1
    assert "drain of k8s-storage timed out" in run.out and "waste/web-storage" in run.out
    assert fleet.node("storage").calls() == []


def test_api_unreachable_says_how_to_reset_without_it(
    *,
    fleet: Fleet,
    inventory: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.wastectl.fleet.harness import free_port

    dead = FakeKube(port=free_port("127.0.0.1")).write_kubeconfig(tmp_path / "dead.conf")
    run = _reset(capsys, inventory, dead, "worker-1", "--yes")
    assert run.code == 1
    assert "cannot reach the Kubernetes API" in run.err or "unreachable" in run.out + run.err
