"""deploy / plan / history / rollback through the real Helm SDK against the fake API server."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from tests.wastectl.deploy.fakecluster import FakeCluster
from tests.wastectl.fleet.cli import run_cli

NO_REGISTRY = "--skip-image-check"


def _release_record(cluster: FakeCluster, revision: int) -> dict[str, Any]:
    secret = cluster.get("secrets", "waste", f"sh.helm.release.v1.wc.v{revision}")
    assert secret is not None, f"no release Secret for revision {revision}"
    data = base64.b64decode(base64.b64decode(secret["data"]["release"]))
    return dict(json.loads(gzip.decompress(data)))


def _image(cluster: FakeCluster, name: str) -> str:
    dep = cluster.get("deployments", "waste", name)
    assert dep is not None
    return str(dep["spec"]["template"]["spec"]["containers"][0]["image"])


def test_install_creates_the_chart_objects_and_the_release_secret(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, "deploy", "--tag", "v1", "--wait", NO_REGISTRY, "-o", "json")
    assert run.code == 0, run.err
    body = run.json()
    assert body["ok"] is True
    assert body["data"]["action"] == "install"
    assert body["data"]["revision"] == 1
    assert body["data"]["status"] == "deployed"
    names = {d["metadata"]["name"] for d in cluster.objects("deployments", "waste")}
    assert names == {"wc-api", "wc-worker-analyse", "wc-beat"}
    assert cluster.get("services", "waste", "wc-api") is not None
    assert _image(cluster, "wc-api") == "ghcr.io/example/wastecoach:v1"
    secret = cluster.get("secrets", "waste", "sh.helm.release.v1.wc.v1")
    assert secret is not None and secret["metadata"]["labels"]["status"] == "deployed"
    assert secret["type"] == "helm.sh/release.v1"
    record = _release_record(cluster, 1)
    assert record["name"] == "wc" and record["config"] == {"image": {"tag": "v1"}}
    # The migration Job ran as a pre-install hook before the workloads.
    assert [h["name"] for h in record["hooks"]] == ["wc-migrate"]
    job = cluster.get("jobs", "waste", "wc-migrate")
    assert job is not None and job["status"]["succeeded"] == 1
