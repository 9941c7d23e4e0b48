"""`wastectl rebuild`'s deploy stage: the real Helm SDK against the fake API server, through the
same engine as `wastectl deploy`, recorded in the rebuild state file and resumable."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.wastectl.deploy.fakecluster import FakeCluster
from tests.wastectl.fleet.cli import Run, run_cli


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "nodes.yaml"
    nodes = [{"name": "master", "role": "control-plane", "host": "10.255.255.1"}]
    path.write_text(yaml.safe_dump({"cluster": "depc", "nodes": nodes}), encoding="utf-8")
    return path


def _state() -> dict[str, Any]:
    path = Path(os.environ["XDG_STATE_HOME"]) / "wastectl/clusters/depc/rebuild.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _rebuild(capsys: pytest.CaptureFixture[str], inventory: Path, *extra: str) -> Run:
    return run_cli(
        capsys,
        "rebuild",
        "--cluster",
        "depc",
        "--inventory",
        str(inventory),
        "--no-infra",
        "--yes",
        "--only",
        "deploy",
        "--skip-image-check",
        *extra,
    )


def _image(cluster: FakeCluster) -> str:
    dep = cluster.get("deployments", "waste", "wc-api")
    assert dep is not None
    return str(dep["spec"]["template"]["spec"]["containers"][0]["image"])


def test_deploy_stage_installs_then_upgrades_and_a_failed_rollout_resumes_there(
    cluster: FakeCluster, kubeconfig: Path, inventory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _rebuild(capsys, inventory, "--tag", "v1", "--deploy-timeout", "30")
    assert first.code == 0, first.err
    assert "==> deploy (--only)" in first.err
    assert "deploying wc to namespace waste (tag v1)" in first.err
    record = _state()["stages"]["deploy"]
    assert record["status"] == "ok" and record["message"].startswith("install wc revision 1")
    assert record["inputs"]["values"]["image"]["tag"] == "v1"
    assert _image(cluster).endswith(":v1")

    # A rollout that never becomes ready: Helm rolls it back (atomic), the stage fails with the reason.
    cluster.behaviour["v2-broken"] = "crash"
    broken = _rebuild(capsys, inventory, "--tag", "v2-broken", "--deploy-timeout", "3")
    assert broken.code == 1, broken.err
    assert "stage deploy failed: upgrade of wc failed" in broken.err
    assert "resume with: wastectl rebuild" in broken.err
    assert _state()["stages"]["deploy"]["status"] == "failed"
    assert _image(cluster).endswith(":v1")  # rolled back

    fixed = _rebuild(capsys, inventory, "--tag", "v2", "--deploy-timeout", "30")
    assert fixed.code == 0, fixed.err
    assert _state()["stages"]["deploy"]["status"] == "ok"
    assert _image(cluster).endswith(":v2")


def test_no_deploy_leaves_the_stage_out(
    cluster: FakeCluster, kubeconfig: Path, inventory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(
        capsys,
        "rebuild",
        "--cluster",
        "depc",
        "--inventory",
        str(inventory),
        "--no-infra",
        "--no-deploy",
        "--dry-run",
        "-o",
        "json",
    )
    assert run.code == 0, run.err
    plan = {s["stage"]: s for s in run.json()["data"]["plan"]}
    assert plan["deploy"]["run"] is False and "--no-deploy" in plan["deploy"]["reason"]
    assert cluster.objects("deployments", "waste") == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--set", "nokeyvalue"), "--set 'nokeyvalue' is not key=value"),
        (("--values", "/nonexistent/values.yaml"), "cannot read values file /nonexistent/values.yaml"),
        (("--set", "api.replicas=-1"), "values violate the chart's values.schema.json"),
        (("--chart", "/"), "/ is not a Helm chart"),
    ],
)
def test_bad_deploy_input_is_exit_2_before_any_stage_runs(
    *,
    extra: tuple[str, str],
    message: str,
    cluster: FakeCluster,
    kubeconfig: Path,
    inventory: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _rebuild(capsys, inventory, "--tag", "v1", *extra)
    assert run.code == 2, run.err
    assert message in run.err
    assert "==> deploy" not in run.err
    assert cluster.objects("deployments", "waste") == []
