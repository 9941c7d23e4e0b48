"""`wastectl cluster bootstrap` running the real site.yml on 4 lab nodes over SSH.

The tests in this module share one lab and run in order: refused unknown host keys, the first
run (changes, ok on all 4), the second run (changed=0, nobody re-joined), a failing task on one node.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import cli_env, run_cli
from tests.wastectl.cluster.lab.harness import Lab

TIMEOUT = 900


def bootstrap(lab_files: tuple[Path, Path], *extra: str) -> subprocess.CompletedProcess[str]:
    inventory, extra_vars = lab_files
    env = cli_env(XDG_STATE_HOME=os.environ["XDG_STATE_HOME"], COLUMNS="200", NO_COLOR="1")
    return run_cli(
        "cluster", "bootstrap", "--inventory", str(inventory), "-e", f"@{extra_vars}", *extra,
        env=env, timeout=TIMEOUT,
    )  # fmt: skip


def on_node(lab: Lab, name: str, command: str) -> str:
    node = lab.node(name)
    known = lab.known_hosts(lab.dir / "known_hosts.test")
    done = subprocess.run(
        ["ssh", "-i", str(lab.client_key), "-o", f"UserKnownHostsFile={known}",
         "-o", "StrictHostKeyChecking=yes",
         "-o", "BatchMode=yes", f"root@{node.address}", command],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return done.stdout


@pytest.fixture(scope="module")
def state_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(autouse=True)
def _shared_state(_isolated_home: None, state_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One XDG_STATE_HOME (known_hosts, runner artifacts) for the whole module."""
    monkeypatch.setenv("XDG_STATE_HOME", str(state_home))


def test_unknown_host_keys_are_refused(lab: Lab, lab_files: tuple[Path, Path]) -> None:
    done = bootstrap(lab_files)
    assert done.returncode == 1, done.stderr
    for node in lab.nodes:
        assert f"UNREACHABLE {node.name} | " in done.stderr
    assert "Host key verification failed" in done.stderr
    assert not lab.cluster_calls()  # nothing ran on any node


def test_first_run_changes_and_ends_ok_on_all_four(
    lab: Lab, lab_files: tuple[Path, Path], state_home: Path
) -> None:
    done = bootstrap(lab_files, "--accept-new")
    assert done.returncode == 0, done.stderr[-4000:]
    err = done.stderr
    # progress from real runner events: plays, tasks, counts
    for play in (
        "Prepare every node",
        "Initialise the control plane",
        "Join the workers",
        "Cluster services",
    ):
        assert f"PLAY {play}" in err
    assert "TASK containerd : Configure containerd for kubelet (SystemdCgroup = true)" in err
    assert "runner artifacts (the run's log): " in err
    artifacts = Path(err.split("runner artifacts (the run's log): ")[1].split()[0])
    assert (artifacts / "stdout").is_file() and any((artifacts / "job_events").iterdir())
    recap = {line.split("│")[1].strip(): line for line in done.stdout.splitlines() if line.count("│") > 5}
    assert set(recap) >= {"master", "worker-1", "worker-2", "storage"}
    # host keys were recorded in the cluster's known_hosts (the fleet's file)
    known = (state_home / "wastectl/known_hosts/lab").read_text()
    assert all(node.address in known for node in lab.nodes)

    state = lab.cluster_state()
    assert sorted(state["nodes"]) == ["master", "storage", "worker-1", "worker-2"]
    assert state["joins"] == {"storage": 1, "worker-1": 1, "worker-2": 1}
    assert state["cluster"] == {"name": "lab", "podSubnet": "192.168.0.0/16"}
    assert state["nodes"]["worker-1"]["metadata"]["labels"]["waste.growbin.app/tier"] == "api"
    assert state["nodes"]["worker-2"]["metadata"]["labels"]["waste.growbin.app/tier"] == "workers"
    assert state["nodes"]["worker-2"]["spec"]["taints"] == [
        {"key": "waste.growbin.app/tier", "value": "workers", "effect": "NoSchedule"}
    ]
    assert state["nodes"]["storage"]["spec"]["taints"] == [
        {"key": "waste.growbin.app/tier", "value": "storage", "effect": "NoSchedule"}
    ]
    calico = state["releases"]["tigera-operator/calico"]
    assert calico["values"]["installation"]["calicoNetwork"]["ipPools"][0]["encapsulation"] == "VXLAN"
    assert {r.split("/")[1] for r in state["releases"]} >= {
        "metrics-server", "aws-ebs-csi-driver", "aws-load-balancer-controller", "monitoring",
        "rabbitmq-cluster-operator",
    }  # fmt: skip
    kinds = {key.split("/")[-3] + "/" + key.split("/")[-1] for key in state["objects"]}
    assert {
        "StorageClass/gp3",
        "RabbitmqCluster/rabbitmq",
        "StatefulSet/postgres",
        "Secret/waste-postgres",
    } <= kinds

    # what really happened inside the nodes
    assert on_node(lab, "worker-2", "hostname").strip() == "worker-2"
    assert on_node(lab, "worker-2", "sysctl -n net.ipv4.ip_forward").strip() == "1"
    assert Path("/proc/sys/net/ipv4/ip_forward").read_text().strip() in ("0", "1")  # host untouched by design
    assert "SystemdCgroup = true" in on_node(lab, "storage", "cat /etc/containerd/config.toml")
    versions = on_node(lab, "master", "dpkg-query -W -f='${Package} ${Version}\\n' kubeadm kubelet kubectl")
    assert sorted(versions.splitlines()) == ["kubeadm 1.30.4-1.1", "kubectl 1.30.4-1.1", "kubelet 1.30.4-1.1"]
    assert sorted(on_node(lab, "master", "apt-mark showhold").split()) == ["kubeadm", "kubectl", "kubelet"]
    assert "1.30.5-1.1" in on_node(lab, "master", "apt-cache policy kubeadm")  # a newer one was on offer
    assert "chrony" in on_node(lab, "worker-1", "dpkg-query -W chrony")
    assert (lab.node("master").file("/etc/systemd/system/etcd-backup.timer")).is_file()
    assert "OnCalendar=daily" in lab.node("master").file("/etc/systemd/system/etcd-backup.timer").read_text()
    assert Path(state_home / "wastectl/clusters/lab/admin.conf").is_file()


def test_second_run_reports_changed_zero_and_rejoins_nobody(lab: Lab, lab_files: tuple[Path, Path]) -> None:
    calls_before = [c for c in lab.cluster_calls() if "\tkubeadm\t" in c]
    done = bootstrap(lab_files, "--output", "json")
    assert done.returncode == 0, done.stderr[-4000:]
    data = json.loads(done.stdout)["data"]
    assert data["changed"] == 0
    assert set(data["hosts"]) == {"master", "worker-1", "worker-2", "storage"}
    assert all(c["changed"] == 0 and c["failed"] == 0 and c["ok"] > 10 for c in data["hosts"].values())
    assert lab.cluster_state()["joins"] == {"storage": 1, "worker-1": 1, "worker-2": 1}
    kubeadm_now = [c for c in lab.cluster_calls() if "\tkubeadm\t" in c]
    assert kubeadm_now == calls_before  # no init, no token, no join

    # The live panel, redrawn from this run's recorded runner events, shows the same counts.
    from rich.console import Console

    from wastectl.cluster.progress import Progress

    events = sorted(
        (json.loads(p.read_text()) for p in (Path(data["artifacts"]) / "job_events").glob("*.json")),
        key=lambda e: e["counter"],
    )
    progress = Progress()
    for event in events:
        progress.handle(event)
    assert progress.totals() == data["hosts"]
    console = Console(record=True, width=160, force_terminal=True, color_system=None)
    console.print(progress.render())
    panel = console.export_text()
    assert "play Cluster services from the control plane" in panel
    assert all(host in panel for host in data["hosts"])


def test_a_failing_task_names_its_node_and_task(lab: Lab, lab_files: tuple[Path, Path]) -> None:
    # Changed from inside the node: an overlay's upper layer must not be edited while mounted.
    on_node(lab, "worker-2", "mv /etc/containerd /root/containerd.saved && echo blocker > /etc/containerd")
    try:
        done = bootstrap(lab_files)
    finally:
        on_node(lab, "worker-2", "rm /etc/containerd && mv /root/containerd.saved /etc/containerd")
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.startswith("FAILED ")]
    assert lines, done.stderr[-3000:]
    where = "FAILED worker-2 | containerd : Create the containerd configuration directory | "
    assert all(line.startswith(where)
               for line in lines)  # fmt: skip
    assert "{" not in lines[0]  # the module's message, not a JSON dump
