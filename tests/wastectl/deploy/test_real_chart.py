"""The real charts/wastecoach (issue 11) installed, planned and upgraded through the Helm SDK."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wastectl.deploy.fakecluster import FakeCluster
from tests.wastectl.fleet.cli import run_cli
from wastectl.deploy.cli import DEFAULT_CHART

NO_REGISTRY = "--skip-image-check"


@pytest.fixture
def real_chart(kubeconfig: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WASTECTL_CHART", str(DEFAULT_CHART))
    monkeypatch.setenv("WASTECTL_RELEASE", "wastecoach")
    return DEFAULT_CHART


def test_real_chart_install_plan_upgrade(
    cluster: FakeCluster, real_chart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, "deploy", "--tag", "1.0.0", "--wait", NO_REGISTRY)
    assert run.code == 0, run.err + run.out
    deployments = {d["metadata"]["name"]: d for d in cluster.objects("deployments", "waste")}
    assert "wastecoach-api" in deployments and "wastecoach-beat" in deployments
    workers = [n for n in deployments if n.startswith("wastecoach-worker-")]
    assert workers, deployments
    components = {d["metadata"]["labels"]["app.kubernetes.io/component"] for d in deployments.values()}
    assert components == {"api", "worker", "beat"}
    assert cluster.get("ingresses", "waste", "wastecoach") or cluster.objects("ingresses", "waste")
    assert cluster.objects("horizontalpodautoscalers", "waste")
    assert cluster.objects("poddisruptionbudgets", "waste")
    assert cluster.get("secrets", "waste", "sh.helm.release.v1.wastecoach.v1") is not None
    assert any("migrat" in j["metadata"]["name"] for j in cluster.objects("jobs", "waste"))

    plan = run_cli(capsys, "deploy", "--plan", "--tag", "1.0.1", NO_REGISTRY, "-o", "json")
    assert plan.code == 0, plan.err
    changed = {c["name"] for c in plan.json()["data"]["changes"] if c["action"] == "change"}
    assert set(deployments) <= changed
    image_paths = [
        f
        for c in plan.json()["data"]["changes"]
        if c["name"] == "wastecoach-api"
        for f in c["fields"]
        if str(f["new"]).endswith(":1.0.1")
    ]
    assert image_paths and str(image_paths[0]["old"]).endswith(":1.0.0")

    up = run_cli(capsys, "deploy", "--tag", "1.0.1", "--wait", NO_REGISTRY, "-o", "json")
    assert up.code == 0, up.err
    assert up.json()["data"]["revision"] == 2
    status = run_cli(capsys, "status", "-o", "json")
    assert status.code == 0, status.out
    assert {w["image_tag"] for w in status.json()["data"]["workloads"]} == {"1.0.1"}
