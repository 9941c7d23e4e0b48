"""`wastectl rebuild` end to end: Terraform's real engine on a terraform_data environment, STS on
a moto server, the real site.yml on 4 lab nodes, and health's engine for verify.

One scenario, in order: a failure is injected at each stage in turn; every next run resumes at
the failed stage and skips the finished ones; a stage whose inputs changed runs again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import cli_env, free_port, run_cli
from tests.support.terraform import TerraformShim, copy_tfdata
from tests.wastectl.cluster.lab.harness import Lab

# Node checks a lab node cannot pass: it has no sudo (kubeadm certs, etcdctl and crictl run under
# it), no NTP daemon, no nslookup and runs no kubelet, etcd or control plane (its containerd and
# kubelet are stand-ins). CRIRuntime is left in for stage 5 to fail on.
LAB_CANNOT = (
    "Sudo,TimeSync,ContainerdConfig,ClusterDNS,PortsListening,CertExpiry,EtcdHealth,EtcdAlarms,EtcdDBSize"
)


@pytest.fixture
def sts_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_each_failed_stage_resumes_there(  # noqa: PLR0915 (one scenario, in order)
    lab: Lab,
    lab_files: tuple[Path, Path],
    terraform_on_path: TerraformShim,
    sts_endpoint: str,
    tmp_path: Path,
) -> None:
    inventory, lab_vars = lab_files
    env_dir = copy_tfdata(tmp_path / "env")
    state_home = Path(os.environ["XDG_STATE_HOME"])
    state_file = state_home / "wastectl/clusters/lab/rebuild.json"
    aws = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    # Without any terraform (some machines carry a stray one in /usr/local/bin).
    no_terraform = ":".join(
        p for p in os.environ["PATH"].split(":") if p and not (Path(p) / "terraform").exists()
    )

    def rebuild(*extra: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
        env = cli_env(
            XDG_STATE_HOME=str(state_home),
            COLUMNS="220",
            NO_COLOR="1",
            PATH=path or os.environ["PATH"],
            **aws,
        )
        return run_cli(
            "rebuild", "--cluster", "lab", "--inventory", str(inventory), "--env-dir", str(env_dir),
            "--aws-endpoint-url", sts_endpoint, "--accept-new", "--yes", "-e", f"@{lab_vars}",
            "--wait-timeout", "4", "--verify-timeout", "4", "--poll-interval", "0.5",
            "--verify-layer", "node", "--no-deploy",  # no Kubernetes API on lab nodes: tests/wastectl/rebuild
            *extra, env=env, timeout=1200,
        )  # fmt: skip

    def stages() -> dict[str, str]:
        return {k: v["status"] for k, v in json.loads(state_file.read_text())["stages"].items()}

    def ran(done: subprocess.CompletedProcess[str]) -> list[str]:
        return [line.split("==> ")[1].split()[0] for line in done.stderr.splitlines() if "==> " in line]

    # 1. preflight: every problem at once (no terraform on PATH, unreadable key)
    first = rebuild("--key", str(tmp_path / "missing-key"), path=no_terraform)
    assert first.returncode == 1, first.stderr
    assert "stage preflight failed: 2 preflight problem(s)" in first.stderr
    assert "terraform not on PATH" in first.stderr and "missing-key is not readable" in first.stderr
    assert "resume with: wastectl rebuild --cluster lab" in first.stderr
    assert stages()["preflight"] == "failed" and stages()["infra"] == "pending"

    # 2. infra: Terraform's apply fails on one node
    (env_dir / "fail.auto.tfvars").write_text('fail_node = "worker-2"\n')
    second = rebuild()
    assert second.returncode == 1
    assert ran(second) == ["preflight", "infra"]
    assert "stage infra failed" in second.stderr and "node worker-2 failed to boot" in second.stderr
    assert stages()["preflight"] == "ok" and stages()["infra"] == "failed"

    # 3. wait: one node is down
    (env_dir / "fail.auto.tfvars").unlink()
    lab.node("worker-2").stop()
    third = rebuild()
    assert ran(third) == ["infra", "wait"], third.stderr
    assert "SSH not reachable: worker-2" in third.stderr
    outputs = json.loads((state_home / "wastectl/terraform/lab/outputs.json").read_text())
    assert set(outputs["nodes"]["value"]) == {"master", "worker-1", "worker-2", "storage"}

    # 4. bootstrap: a task fails on one node
    blocker = lab.node("worker-2").file("/etc/modules-load.d")  # written while the node is down
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a directory\n")
    lab.restart("worker-2")
    fourth = rebuild()
    assert ran(fourth) == ["wait", "bootstrap"], fourth.stderr[-3000:]
    assert "FAILED worker-2 | common : Create the boot-time module and sysctl directories" in fourth.stderr
    assert stages()["bootstrap"] == "failed"

    # 5. verify: health finds a problem (CRIRuntime needs sudo, which lab nodes do not have)
    node = lab.node("worker-2")
    known = lab.known_hosts(lab.dir / "known_hosts.test")
    subprocess.run(
        ["ssh", "-i", str(lab.client_key), "-o", f"UserKnownHostsFile={known}", "-o", "BatchMode=yes",
         f"root@{node.address}", "rm /etc/modules-load.d"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    fifth = rebuild("--verify-ignore", LAB_CANNOT)
    assert ran(fifth) == ["bootstrap", "verify"], fifth.stderr[-3000:]
    assert "stage verify failed" in fifth.stderr and "[ERROR CRIRuntime]" in fifth.stderr
    done = {"preflight": "ok", "infra": "ok", "wait": "ok", "bootstrap": "ok"}
    assert stages() == {**done, "deploy": "skipped", "verify": "failed"}

    # 6. verify again with its inputs changed: only verify runs
    sixth = rebuild("--verify-ignore", f"{LAB_CANNOT},CRIRuntime")
    assert sixth.returncode == 0, sixth.stderr[-3000:]
    assert ran(sixth) == ["verify"]
    assert "s in total" in sixth.stdout
    saved = json.loads(state_file.read_text())
    assert saved["stages"].pop("deploy")["status"] == "skipped"  # --no-deploy
    assert all(v["status"] == "ok" and v["duration_s"] is not None for v in saved["stages"].values())
    assert saved["runs"][-1]["stages"] == {
        "verify": {"status": "ok", "duration_s": saved["stages"]["verify"]["duration_s"]}
    }

    # 7. nothing left to do
    seventh = rebuild("--verify-ignore", f"{LAB_CANNOT},CRIRuntime")
    assert seventh.returncode == 0 and ran(seventh) == []
    assert "nothing to do" in seventh.stderr
    shutil.rmtree(env_dir / ".terraform", ignore_errors=True)
