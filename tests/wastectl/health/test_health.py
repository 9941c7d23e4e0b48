"""`wastectl health` against real sshd nodes (stand-in binaries) and a fake Kubernetes API."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.wastectl.fleet.cli import run_cli
from tests.wastectl.fleet.harness import Fleet, free_port
from tests.wastectl.health.fakekube import FakeKube


def _health(capsys: pytest.CaptureFixture[str], inventory: Path, kubeconfig: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli(
        capsys,
        "health",
        "--inventory",
        str(inventory),
        "--accept-new",
        "--kubeconfig",
        str(kubeconfig),
        *extra,
    )


def _by(data: dict, check: str) -> dict[str, dict]:  # type: ignore[type-arg]
    return {c["target"]: c for c in data["checks"] if c["id"] == check}


def test_healthy_cluster_scores_100_and_exits_0(
    fleet: Fleet, inventory: Path, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _health(capsys, inventory, kubeconfig)
    assert run.code == 0, run.out + run.err
    assert "[ERROR" not in run.out and "[WARNING" not in run.out
    assert "[node] 72/72 checks passed" in run.out  # 17 checks x 4 nodes + 4 on the control plane
    assert "[cluster] 8/8 checks passed" in run.out
    assert "score 100/100: healthy" in run.out


def test_node_faults_are_reported_preflight_style(
    fleet: Fleet, inventory: Path, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet.node("worker-2").set_state(swap="/dev/nvme0n1p3 partition 2G 0B -2")
    fleet.node("storage").set_state(ip_forward="0", disk_pct="85")
    fleet.node("master").set_state(mem_available="1500", kubelet_version="v1.27.9")
    fleet.node("worker-1").set_state(cri="down", modules="overlay 151552 0\n")
    run = _health(capsys, inventory, kubeconfig)
    assert run.code == 1
    assert "[ERROR SwapOff]: worker-2: swap is on: /dev/nvme0n1p3" in run.out
    assert "        fix: swapoff -a" in run.out
    assert "[ERROR IPForward]: storage: net.ipv4.ip_forward = 0" in run.out
    assert "[WARNING DiskUsage]: storage: / is 85% full" in run.out
    assert "[WARNING Memory]: master: only 1500 MiB available" in run.out
    assert "[WARNING VersionSkew]: master: kubeadm v1.28.4, kubelet v1.27.9" in run.out
    assert "[ERROR CRIRuntime]: worker-1: crictl version failed: validate service connection" in run.out
    assert "[ERROR BrNetfilter]: worker-1: kernel module br_netfilter is not loaded" in run.out

    data = _health(capsys, inventory, kubeconfig, "-o", "json").json()["data"]
    assert data["healthy"] is False and data["errors"] == 4 and data["warnings"] == 3
    assert 0 < data["score"] < 100
    swap = _by(data, "SwapOff")
    assert swap["worker-2"]["status"] == "fail" and swap["master"]["status"] == "ok"


def test_unreachable_node_is_error_and_others_are_still_checked(
    fleet: Fleet, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fleet.write_inventory(tmp_path / "inv.yaml")
    data = yaml.safe_load(path.read_text())
    data["nodes"].append(
        {
            "name": "worker-3",
            "role": "worker",
            "host": "127.0.0.1",
            "port": free_port("127.0.0.1"),
            "private_ip": "10.0.1.99",
        }
    )
    path.write_text(yaml.safe_dump(data))
    run = _health(capsys, path, kubeconfig, "-o", "json", "--only", "node", "--only", "cluster")
    assert run.code == 1
    result = run.json()["data"]
    reach = _by(result, "NodeReachable")
    assert reach["worker-3"]["status"] == "fail" and "unreachable" in reach["worker-3"]["message"]
    assert _by(result, "SwapOff")["worker-3"]["status"] == "skip"  # one root cause, one error
    assert [c["id"] for c in result["checks"] if c["target"] == "worker-3" and c["level"]] == [
        "NodeReachable"
    ]
    assert all(reach[n.name]["status"] == "ok" for n in fleet.nodes)
    assert all(_by(result, "KubeletActive")[n.name]["status"] == "ok" for n in fleet.nodes)
    ready = _by(result, "NodesReady")["cluster"]
    assert (
        ready["status"] == "fail"
        and "4/5 inventory nodes Ready; not registered: worker-3" in ready["message"]
    )


def test_changed_host_key_fails_that_node_with_the_forget_command(
    fleet: Fleet, inventory: Path, kubeconfig: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.wastectl.fleet.test_exec import plant_wrong_host_key

    plant_wrong_host_key(fleet, "worker-1", tmp_path)
    run = _health(capsys, inventory, kubeconfig, "--only", "node", "-o", "json")
    assert run.code == 1
    data = run.json()["data"]
    reach = _by(data, "NodeReachable")
    assert reach["worker-1"]["status"] == "fail" and "has CHANGED" in reach["worker-1"]["message"]
    assert f"wastectl known-hosts forget worker-1 --inventory {inventory}" in reach["worker-1"]["message"]
    assert _by(data, "SwapOff")["worker-1"]["status"] == "skip"
    assert all(reach[n]["status"] == "ok" for n in ("master", "worker-2", "storage"))


def test_ignore_and_only(
    fleet: Fleet, inventory: Path, kubeconfig: Path, kube: FakeKube, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet.node("worker-2").set_state(swap="/swapfile file 1G 0B -2")
    run = _health(capsys, inventory, kubeconfig, "--ignore", "swapoff", "-o", "json")
    assert run.code == 0, run.out
    data = run.json()["data"]
    assert data["ignored"] == ["swapoff"] and not _by(data, "SwapOff")

    kube.readyz_failing.append("etcd")
    run = _health(capsys, inventory, kubeconfig, "--only", "cluster", "-o", "json")
    assert run.code == 1
    data = run.json()["data"]
    assert {c["layer"] for c in data["checks"]} == {"cluster"}
    assert "failing: etcd" in _by(data, "APIServerReady")["cluster"]["message"]


def test_app_layer_problems_name_the_fix(
    fleet: Fleet, inventory: Path, kubeconfig: Path, kube: FakeKube, capsys: pytest.CaptureFixture[str]
) -> None:
    pod = kube.find("pods", "web-worker-1")
    assert pod is not None
    pod["status"]["containerStatuses"][0].update(
        ready=False, restartCount=17, state={"waiting": {"reason": "CrashLoopBackOff"}}
    )
    kube.add(
        "secrets",
        {
            "metadata": {
                "name": "sh.helm.release.v1.waste.v3",
                "namespace": "waste",
                "labels": {"owner": "helm", "name": "waste", "status": "pending-upgrade", "version": "3"},
            }
        },
    )
    kube.add(
        "persistentvolumeclaims",
        {"metadata": {"name": "data-rabbitmq-0", "namespace": "messaging"}, "status": {"phase": "Pending"}},
    )
    dep = kube.find("deployments", "api", "waste")
    assert dep is not None
    dep["status"]["availableReplicas"] = 1
    run = _health(capsys, inventory, kubeconfig, "--only", "app")
    assert run.code == 1
    assert "[ERROR CrashLoop]: app: 1 pod(s) in CrashLoopBackOff: waste/web-worker-1" in run.out
    assert "[WARNING Restarts]: app: 1 container(s) restarted >= 5 times: waste/web-worker-1 (17)" in run.out
    assert "waste/waste is pending-upgrade (revision 3): helm rollback waste 2 -n waste" in run.out
    assert "[ERROR PVCsBound]: app: not Bound: messaging/data-rabbitmq-0 (Pending)" in run.out
    assert "[ERROR Deployments]: app: unavailable: waste/api 1/2" in run.out
    # the label selector really reached the server
    assert any("labelSelector=owner%3Dhelm" in path for _, path in kube.requests)


def test_wait_polls_until_healthy(
    fleet: Fleet, inventory: Path, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet.node("worker-1").set_state(kubelet_flaps="2")  # "activating" for two rounds, then active
    run = _health(capsys, inventory, kubeconfig, "--only", "node", "--wait", "30s", "--interval", "0.2")
    assert run.code == 0, run.out
    assert "[wait] round 1: score" in run.err and "[wait] round 2: score" in run.err
    assert "healthy after 3 round(s)" in run.err and "[wait] round 3" not in run.err
    # it stopped polling the moment the node was healthy: the node was asked exactly three times
    asked = [call for call in fleet.node("worker-1").calls() if call == "systemctl is-active kubelet"]
    assert len(asked) == 3


def test_wait_gives_up_with_errors(
    fleet: Fleet, inventory: Path, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet.node("storage").set_state(containerd="failed")
    run = _health(capsys, inventory, kubeconfig, "--only", "node", "--wait", "1s", "--interval", "0.3")
    assert run.code == 1
    assert "gave up" in run.err and "[ERROR ContainerdActive]: storage: containerd is failed" in run.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--wait", "soon"], "invalid duration 'soon'"),
        (["--ignore", "NoSuchCheck"], "unknown check ID(s): nosuchcheck"),
        (["--only", "galaxy"], "galaxy"),
        (["--target", "local", "--only", "node"], "app layer only"),
        (["--rabbitmq-api", "rabbit:15672"], "--rabbitmq-api must be an http(s) URL, got 'rabbit:15672'"),
        (["--rabbitmq-api", "http://[::1"], "--rabbitmq-api must be an http(s) URL"),
    ],
)
def test_bad_options_exit_2(
    inventory: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    run = run_cli(capsys, "health", "--inventory", str(inventory), *args)
    assert run.code == 2
    assert message in run.err


def test_kube_api_down_makes_cluster_checks_error(
    fleet: Fleet, inventory: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = FakeKube(port=free_port("127.0.0.1")).write_kubeconfig(tmp_path / "dead.conf")
    run = _health(capsys, inventory, dead, "--only", "cluster", "-o", "json")
    assert run.code == 1  # the API server being down is the finding: one error, the rest skipped
    data = run.json()["data"]
    api = _by(data, "APIServerReady")["cluster"]
    assert api["status"] == "fail" and "unreachable, from here and from master through SSH" in api["message"]
    assert "[Errno" not in api["message"]
    assert {c["status"] for c in data["checks"] if c["id"] != "APIServerReady"} == {"skip"}
    assert data["errors"] == 1 and data["score"] <= 40 and data["band"] == "unhealthy"


def test_kubeconfig_is_fetched_from_the_master(
    fleet: Fleet, inventory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.wastectl.health.fakekube import healthy_cluster

    master = fleet.node("master")
    kube = FakeKube(address=master.address, port=free_port(master.address)).start()
    try:
        healthy_cluster(kube, [(n.name, f"10.0.1.{i + 10}") for i, n in enumerate(fleet.nodes)])
        kube.write_kubeconfig(
            master.root / "etc/kubernetes/admin.conf", server=f"http://{master.address}:{kube.port}"
        )  # the address as the master sees it: reached through the SSH tunnel
        run = run_cli(
            capsys,
            "health",
            "--inventory",
            str(inventory),
            "--accept-new",
            "--only",
            "cluster",
        )
    finally:
        kube.stop()
    assert run.code == 0, run.out
    assert "[cluster] 8/8 checks passed" in run.out
    assert ("GET", "/api/v1/nodes") in kube.requests


def test_no_inventory_could_not_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    run = run_cli(capsys, "health")
    assert run.code == 2 and "tried:" in run.err
