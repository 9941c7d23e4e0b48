"""`wastectl exec`: parallel per-node output, exit codes, summary, faults and Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.wastectl.fleet.cli import run_cli
from tests.wastectl.fleet.harness import Fleet, cli_env, free_port

REPO = Path(__file__).resolve().parents[3]


def test_exec_all_prefixes_output_and_summarises(
    fleet: Fleet, inventory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(
        capsys,
        "exec",
        "--all",
        "--inventory",
        str(inventory),
        "--accept-new",
        "--",
        "echo host-$(hostname -s)-ok; kubelet --version",
    )
    assert run.code == 0, run.err
    for node in fleet.nodes:
        assert f"[{node.name:<8}] host-" in run.out
    assert run.out.count("Kubernetes v1.28.4") == 4
    assert "exec summary" in run.err and "4/4 node(s) succeeded" in run.err


def test_exec_json_has_per_node_exit_codes_and_partial_exit(
    fleet: Fleet, inventory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet.node("worker-2").set_state(containerd="inactive")
    run = run_cli(
        capsys,
        "exec",
        "--role",
        "worker",
        "--inventory",
        str(inventory),
        "--accept-new",
        "-o",
        "json",
        "--",
        "systemctl is-active containerd",
    )
    assert run.code == 3
    data = run.json()["data"]
    assert {n["node"]: n["exit_status"] for n in data["nodes"]} == {"worker-1": 0, "worker-2": 3}
    assert data["nodes"][1]["output"].strip() == "inactive"
    assert (data["succeeded"], data["failed"]) == (1, 1)


def test_exec_named_nodes_all_failing_is_exit_1(
    fleet: Fleet, inventory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(
        capsys, "exec", "master", "storage", "--inventory", str(inventory), "--accept-new", "--", "exit 4"
    )
    assert run.code == 1
    assert "0/2 node(s) succeeded" in run.err


def test_exec_one_unreachable_node_others_still_run(
    fleet: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    path = fleet.write_inventory(tmp_path / "inv.yaml")
    data = yaml.safe_load(path.read_text())
    data["nodes"].append(
        {"name": "dead", "role": "worker", "host": "127.0.0.1", "port": free_port("127.0.0.1")}
    )
    path.write_text(yaml.safe_dump(data))
    run = run_cli(
        capsys, "exec", "--all", "--inventory", str(path), "--accept-new", "-o", "json", "--", "true"
    )
    assert run.code == 3
    nodes = {n["node"]: n for n in run.json()["data"]["nodes"]}
    assert nodes["dead"]["exit_status"] is None and "unreachable" in nodes["dead"]["error"]
    assert all(nodes[n.name]["exit_status"] == 0 for n in fleet.nodes)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all"], "no command given"),
        (["--all", "--role", "worker", "--", "true"], "exactly one of --all or --role"),
        (["--", "true"], "exactly one of --all or --role"),
        (["--role", "gpu", "--", "true"], "no node has role 'gpu'"),
        (["worker-7", "--", "true"], "known nodes: master, worker-1, worker-2, storage"),
    ],
)
def test_exec_bad_selection_is_exit_2(
    inventory: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    run = run_cli(capsys, "exec", "--inventory", str(inventory), *args)
    assert run.code == 2
    assert message in run.err


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ""
    return " Z " not in stat


def test_ctrl_c_terminates_remote_commands_prints_summary_exit_130(
    fleet: Fleet, inventory: Path, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wastectl",
            "exec",
            "--all",
            "--inventory",
            str(inventory),
            "--accept-new",
            "--",
            f"echo started; sh -c 'echo $$ > {pids}/$(hostname -s)-$RANDOM$$; exec sleep 300'",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        text=True,
        env=cli_env(REPO, XDG_STATE_HOME=os.environ["XDG_STATE_HOME"]),
    )
    try:
        deadline = time.monotonic() + 20
        while len(list(pids.iterdir())) < len(fleet.nodes) and time.monotonic() < deadline:
            time.sleep(0.05)
        remote = [int(p.read_text()) for p in pids.iterdir()]
        assert len(remote) == len(fleet.nodes)
        assert all(_alive(pid) for pid in remote)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "exec summary" in err and "interrupted" in err
    assert out.count("started") == len(fleet.nodes)
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in remote) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in remote), "remote commands survived Ctrl-C"


def plant_wrong_host_key(fleet: Fleet, node_name: str, tmp_path: Path) -> None:
    """Record another key for the node, as if the cluster had been rebuilt since the last connect."""
    from tests.wastectl.fleet.harness import keygen
    from wastectl.nodes.knownhosts import known_hosts_path

    node = fleet.node(node_name)
    other = tmp_path / "other_host_key"
    keygen(other)
    keytype, blob = other.with_suffix(".pub").read_text().split()[:2]
    known = known_hosts_path("testc")
    known.parent.mkdir(parents=True, exist_ok=True)
    known.write_text(f"[{node.address}]:{node.port} {keytype} {blob}\n")


def test_exec_changed_host_key_refuses_that_node_with_the_forget_command(
    fleet: Fleet, inventory: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plant_wrong_host_key(fleet, "master", tmp_path)
    run = run_cli(
        capsys, "exec", "--all", "--inventory", str(inventory), "--accept-new", "-o", "json", "--", "true"
    )
    assert run.code == 3, run.err
    nodes = {n["node"]: n for n in run.json()["data"]["nodes"]}
    assert nodes["master"]["exit_status"] is None
    assert "has CHANGED" in nodes["master"]["error"]
    assert nodes["master"]["error"].endswith(f"wastectl known-hosts forget master --inventory {inventory}")
    assert all(nodes[n]["exit_status"] == 0 for n in ("worker-1", "worker-2", "storage"))
