"""The checks the peers have: each healthy on the stand-ins' defaults, and failing on a fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wastectl.fleet.harness import Fleet
from tests.wastectl.health.fakekube import FakeKube
from tests.wastectl.health.test_health import _by, _health

PEER_NODE_CHECKS = (
    "CertExpiry",
    "EtcdHealth",
    "EtcdAlarms",
    "EtcdDBSize",
    "TimeSync",
    "ContainerdConfig",
    "ClusterDNS",
    "KubeletErrors",
    "InodeUsage",
    "PortsListening",
)
CONTROL_PLANE_ONLY = {"CertExpiry", "EtcdHealth", "EtcdAlarms", "EtcdDBSize"}


def test_every_peer_check_passes_on_a_healthy_cluster_with_its_evidence(
    fleet: Fleet, inventory: Path, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _health(capsys, inventory, kubeconfig, "-o", "json").json()["data"]
    for check in PEER_NODE_CHECKS:
        results = _by(data, check)
        expected = {"master"} if check in CONTROL_PLANE_ONLY else {n.name for n in fleet.nodes}
        assert set(results) == expected, check
        assert {r["status"] for r in results.values()} == {"ok"}, (check, results)
    master = _by(data, "EtcdHealth")["master"]["message"]
    assert master == "etcd healthy (9.2ms); 1 member(s): k8s-master"
    assert "first to expire" in _by(data, "CertExpiry")["master"]["message"]
    assert "-> 10.96.0.1 via 10.96.0.10" in _by(data, "ClusterDNS")["worker-1"]["message"]
    assert _by(data, "KubeProxy")["cluster"]["message"] == "kube-proxy 4/4 ready"
    assert _by(data, "KubeletSkew")["cluster"]["message"] == "every kubelet matches the API server v1.28.4"


@pytest.mark.parametrize(
    ("node", "state", "check", "level", "text"),
    [
        ("master", {"cert_days": "12"}, "CertExpiry", "WARNING", "expire within 30 days: admin.conf (11d)"),
        ("master", {"cert_days": "-3"}, "CertExpiry", "ERROR", "5 certificate(s) EXPIRED: admin.conf"),
        ("master", {"etcd_health": "false"}, "EtcdHealth", "ERROR", "context deadline exceeded"),
        ("master", {"etcd_members": "k8s-master -"}, "EtcdHealth", "ERROR", "not started"),
        ("master", {"etcd_alarms": "NOSPACE"}, "EtcdAlarms", "ERROR", "etcd alarm(s) raised: NOSPACE"),
        ("master", {"etcd_db_bytes": "1900000000"}, "EtcdDBSize", "WARNING", "(88% of the 2 GiB quota)"),
        ("worker-1", {"ntp_sync": "no"}, "TimeSync", "ERROR", "clock is NOT synchronised"),
        ("worker-2", {"systemd_cgroup": "false"}, "ContainerdConfig", "ERROR", "runc SystemdCgroup = false"),
        (
            "worker-2",
            {"sandbox_image": "registry.k8s.io/pause:3.6"},
            "ContainerdConfig",
            "WARNING",
            "sandbox image registry.k8s.io/pause:3.6, kubeadm expects registry.k8s.io/pause:3.9",
        ),
        ("storage", {"dns": "down"}, "ClusterDNS", "ERROR", "did not resolve: ;; connection timed out"),
        (
            "worker-1",
            {"kubelet_errors": 'E1203 "Failed to get status for pod" err="rpc error"\n'},
            "KubeletErrors",
            "WARNING",
            "1 kubelet error(s) in the last 10 min; latest: E1203",
        ),
        ("storage", {"inode_pct": "93"}, "InodeUsage", "ERROR", "/ uses 93% of its inodes"),
        ("master", {"ports": "22 10250"}, "PortsListening", "ERROR", "not listening: 2379 (etcd client)"),
        ("worker-1", {"ports": "22"}, "PortsListening", "ERROR", "not listening: 10250 (kubelet)"),
    ],
)
def test_peer_check_fails_with_its_id_and_fix(
    *,
    fleet: Fleet,
    inventory: Path,
    kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
    node: str,
    state: dict[str, str],
    check: str,
    level: str,
    text: str,
) -> None:
    fleet.node(node).set_state(**state)
    run = _health(capsys, inventory, kubeconfig, "--only", "node", "--node", node)
    line = next((x for x in run.out.splitlines() if x.startswith(f"[{level} {check}]: {node}: ")), "")
    assert text in line, run.out
    fix = run.out.splitlines()[run.out.splitlines().index(line) + 1]
    assert fix.strip().startswith("fix: ") and len(fix.strip()) > 10
    assert run.code == (1 if level == "ERROR" else 0)


def test_kube_proxy_missing_or_not_ready_and_its_replacement(
    fleet: Fleet, inventory: Path, kubeconfig: Path, kube: FakeKube, capsys: pytest.CaptureFixture[str]
) -> None:
    proxy = kube.find("daemonsets", "kube-proxy", "kube-system")
    assert proxy is not None
    proxy["status"]["numberReady"] = 2
    run = _health(capsys, inventory, kubeconfig, "--only", "cluster")
    assert "[ERROR KubeProxy]: cluster: kube-proxy 2/4 ready" in run.out
    kube.objects["daemonsets"].remove(proxy)
    run = _health(capsys, inventory, kubeconfig, "--only", "cluster")
    assert "[ERROR KubeProxy]: cluster: no kube-proxy DaemonSet in kube-system and no replacement" in run.out
    kube.add("daemonsets", {"metadata": {"name": "cilium", "namespace": "kube-system"}, "status": {}})
    data = _health(capsys, inventory, kubeconfig, "--only", "cluster", "-o", "json").json()["data"]
    assert _by(data, "KubeProxy")["cluster"]["message"] == "no kube-proxy: cilium replaces it"


def test_kubelet_skew_against_the_api_server(
    fleet: Fleet, inventory: Path, kubeconfig: Path, kube: FakeKube, capsys: pytest.CaptureFixture[str]
) -> None:
    kube.objects["nodes"][1]["status"]["nodeInfo"]["kubeletVersion"] = "v1.26.1"
    run = _health(capsys, inventory, kubeconfig, "--only", "cluster")
    assert "[WARNING KubeletSkew]: cluster: API server v1.28.4; older kubelets" in run.out
    assert "k8s-worker-1 v1.26.1" in run.out
    kube.objects["nodes"][2]["status"]["nodeInfo"]["kubeletVersion"] = "v1.29.0"
    run = _health(capsys, inventory, kubeconfig, "--only", "cluster")
    assert "[ERROR KubeletSkew]: cluster: API server v1.28.4; kubelet outside the supported skew: " in run.out
    assert "k8s-worker-2 v1.29.0" in run.out
