"""`wastectl rebuild` without lab nodes: the plan, --dry-run, bad usage, Ctrl-C mid-stage."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.support.cli import REPO_ROOT, cli_env, run_cli
from wastectl.fleet.cli import FleetArgs
from wastectl.fleet.inventory import InventoryOptions
from wastectl.rebuild.pipeline import plan
from wastectl.rebuild.stages import Context, inputs_of
from wastectl.rebuild.state import RebuildState, Stage, Status, digest


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    env = tmp_path / "env"
    env.mkdir()
    (env / "main.tf").write_text('resource "terraform_data" "x" {}\n')
    inventory = tmp_path / "nodes.yaml"
    inventory.write_text(yaml.safe_dump({
        "cluster": "planc",
        "ssh": {"user": "root", "key": str(tmp_path / "key"), "connect_timeout": 1},
        "nodes": [{"name": "master", "role": "master", "host": "10.255.255.1"},
                  {"name": "worker-1", "role": "worker", "host": "10.255.255.2"}],
    }))  # fmt: skip
    (tmp_path / "key").write_text("not used\n")
    return env, inventory


def context(env: Path | None, inventory: Path) -> Context:
    fleet = FleetArgs(InventoryOptions(cluster="planc", inventory_file=inventory), accept_new=False)
    return Context(cluster="planc", fleet=fleet, env_dir=env, console=None)


def done(state: RebuildState, ctx: Context, *stages: Stage) -> None:
    for stage in stages:
        record = state.record(stage)
        record.status, record.inputs = Status.ok, inputs_of(stage, ctx)
        record.inputs_digest = digest(record.inputs)


def test_resumes_at_the_failed_stage_and_skips_finished_ones(
    setup: tuple[Path, Path], tmp_path: Path
) -> None:
    env, inventory = setup
    ctx = context(env, inventory)
    state = RebuildState("planc", tmp_path / "state.json")
    done(state, ctx, Stage.preflight, Stage.infra)
    state.record(Stage.wait).status = Status.failed
    steps = {s.stage: s for s in plan(state, ctx)}
    assert [s for s, step in steps.items() if step.run] == [Stage.wait, Stage.bootstrap, Stage.verify]
    assert steps[Stage.infra].reason == "done, inputs unchanged"
    assert steps[Stage.wait].reason == "failed last time"
    assert steps[Stage.bootstrap].reason == "an earlier stage ran"


def test_changed_inputs_rerun_a_finished_stage(setup: tuple[Path, Path], tmp_path: Path) -> None:
    env, inventory = setup
    ctx = context(env, inventory)
    state = RebuildState("planc", tmp_path / "state.json")
    done(state, ctx, *Stage)
    assert not any(step.run for step in plan(state, ctx))
    (env / "main.tf").write_text('resource "terraform_data" "y" {}\n')
    steps = plan(state, ctx)
    assert [s.stage for s in steps if s.run] == [Stage.infra, Stage.wait, Stage.bootstrap, Stage.verify]
    assert steps[1].reason == "inputs changed: config"


def test_from_and_only_and_no_infra(setup: tuple[Path, Path], tmp_path: Path) -> None:
    env, inventory = setup
    state = RebuildState("planc", tmp_path / "state.json")
    ctx = context(env, inventory)
    done(state, ctx, *Stage)
    assert [s.stage for s in plan(state, ctx, from_=Stage.bootstrap) if s.run] == [
        Stage.bootstrap,
        Stage.verify,
    ]
    assert [s.stage for s in plan(state, ctx, only=Stage.wait) if s.run] == [Stage.wait]
    fresh = RebuildState("planc", tmp_path / "other.json")
    static = {s.stage: s for s in plan(fresh, context(None, inventory))}
    assert (
        not static[Stage.infra].run and static[Stage.infra].reason == "no Terraform environment (--no-infra)"
    )


def _recorders(bin_dir: Path) -> Path:
    """terraform / ssh / ansible-playbook that only record being called."""
    log = bin_dir / "calls.log"
    bin_dir.mkdir()
    for tool in ("terraform", "ssh", "ansible-playbook"):
        path = bin_dir / tool
        path.write_text(f'#!/bin/sh\necho {tool} "$@" >> {log}\nexit 1\n')
        path.chmod(0o755)
    return log


def test_dry_run_prints_the_plan_and_calls_nothing(setup: tuple[Path, Path], tmp_path: Path) -> None:
    env, inventory = setup
    log = _recorders(tmp_path / "bin")
    state_home = Path(os.environ["XDG_STATE_HOME"])
    environ = cli_env(PATH=f"{tmp_path / 'bin'}:{os.environ['PATH']}", XDG_STATE_HOME=str(state_home))
    args = (
        "rebuild",
        "--cluster",
        "planc",
        "--inventory",
        str(inventory),
        "--env-dir",
        str(env),
        "--dry-run",
    )
    shown = run_cli(*args, env=environ)
    assert shown.returncode == 0, shown.stderr
    assert "dry run: nothing runs" in shown.stdout
    for stage in ("preflight", "infra", "wait", "bootstrap", "verify"):
        assert stage in shown.stdout
    as_json = run_cli(*args, "--output", "json", env=environ)
    plan_data = json.loads(as_json.stdout)["data"]["plan"]
    assert [(p["stage"], p["run"]) for p in plan_data][:2] == [("preflight", True), ("infra", True)]
    assert not log.exists()  # no terraform, ssh or ansible call
    assert not (state_home / "wastectl/clusters").exists()  # no state written
    assert sorted(p.name for p in env.iterdir()) == ["main.tf"]  # no terraform init


def test_bad_usage_is_exit_2(setup: tuple[Path, Path], tmp_path: Path) -> None:
    env, inventory = setup
    base = ("rebuild", "--cluster", "planc", "--inventory", str(inventory), "--env-dir", str(env))
    both = run_cli(*base, "--from", "wait", "--only", "verify")
    assert both.returncode == 2 and "give --from or --only, not both" in both.stderr
    unknown = run_cli(*base, "--from", "nosuch")
    assert unknown.returncode == 2
    no_yes = run_cli(*base, stdin=subprocess.DEVNULL)  # nobody there to type the cluster name
    assert no_yes.returncode == 1, no_yes.stderr
    assert "Type 'planc' to continue" in no_yes.stderr and "nothing was changed" in no_yes.stderr
    wrong = run_cli(*base, input="prod\n")
    assert wrong.returncode == 1 and "typed 'prod'" in wrong.stderr
    state = Path(os.environ["XDG_STATE_HOME"]) / "wastectl/clusters/planc/rebuild.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text("{not json")
    broken = run_cli(*base, "--dry-run")
    assert broken.returncode == 2 and "unreadable rebuild state" in broken.stderr


def test_ctrl_c_mid_stage_leaves_a_state_file_the_next_run_reads(setup: tuple[Path, Path]) -> None:
    _, inventory = setup
    state_home = Path(os.environ["XDG_STATE_HOME"])
    state_file = state_home / "wastectl/clusters/planc/rebuild.json"
    args = [
        "rebuild",
        "--cluster",
        "planc",
        "--inventory",
        str(inventory),
        "--no-infra",
        "--wait-timeout",
        "120",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "wastectl", *args], cwd=REPO_ROOT, env=cli_env(XDG_STATE_HOME=str(state_home)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (
            state_file.is_file()
            and json.loads(state_file.read_text())["stages"]["wait"]["status"] == "running"
        ):
            break
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the wait stage never started: " + proc.communicate()[1])
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted in stage wait" in err and "Resume: wastectl rebuild" in err
    stages = json.loads(state_file.read_text())["stages"]
    assert stages["preflight"]["status"] == "ok"
    assert stages["wait"]["status"] == "interrupted" and stages["wait"]["duration_s"] is not None
    assert stages["bootstrap"]["status"] == "pending"
    again = run_cli(*args, "--dry-run", "--output", "json", env=cli_env(XDG_STATE_HOME=str(state_home)))
    steps = {p["stage"]: p for p in json.loads(again.stdout)["data"]["plan"]}
    assert not steps["preflight"]["run"] and steps["wait"] == {
        "stage": "wait",
        "run": True,
        "reason": "interrupted last time",
    }
