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


def test_plan_shows_the_upgrade_per_resource_then_the_upgrade_applies_it(
    cluster: FakeCluster, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "deploy", "--tag", "v1", "--wait", NO_REGISTRY).code == 0
    values = tmp_path / "values.yaml"
    values.write_text("beat:\n  enabled: false\napi:\n  replicas: 3\n", encoding="utf-8")
    requests_before = len(cluster.requests)

    plan = run_cli(capsys, "deploy", "--plan", "--tag", "v2", "-f", str(values), NO_REGISTRY, "-o", "json")
    assert plan.code == 0, plan.err
    changes = {(c["kind"], c["name"]): c for c in plan.json()["data"]["changes"]}
    api = changes[("Deployment", "wc-api")]
    assert api["action"] == "change"
    fields = {f["path"]: (f["old"], f["new"]) for f in api["fields"]}
    assert fields["spec.replicas"] == (2, 3)
    assert fields["spec.template.spec.containers[0].image"] == (
        "ghcr.io/example/wastecoach:v1",
        "ghcr.io/example/wastecoach:v2",
    )
    assert changes[("Deployment", "wc-beat")]["action"] == "remove"
    assert changes[("Service", "wc-api")]["action"] == "unchanged"
    assert changes[("Job", "wc-migrate")]["hook"] is True
    # The plan wrote nothing: only GETs reached the API server, and revision 1 is still the only one.
    writes = [r for r in cluster.requests[requests_before:] if r[0] != "GET"]
    assert writes == []
    assert _image(cluster, "wc-api").endswith(":v1")
    assert cluster.get("secrets", "waste", "sh.helm.release.v1.wc.v2") is None

    table = run_cli(capsys, "deploy", "--plan", "--tag", "v2", "-f", str(values), NO_REGISTRY)
    assert "~ Deployment/wc-api: change" in table.out
    assert "spec.replicas: 2 -> 3" in table.out
    assert "- Deployment/wc-beat: remove" in table.out
    assert "nothing was applied" in table.out

    up = run_cli(capsys, "deploy", "--tag", "v2", "-f", str(values), "--wait", NO_REGISTRY)
    assert up.code == 0, up.err
    assert "upgrade of wc done: revision 2 deployed" in up.out
    assert "[rollout] deployment wc-api:" in up.err
    assert _image(cluster, "wc-api").endswith(":v2")
    assert cluster.get("deployments", "waste", "wc-beat") is None
    assert cluster.get("deployments", "waste", "wc-api")["spec"]["replicas"] == 3  # type: ignore[index]


def test_history_and_rollback(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for tag in ("v1", "v2"):
        assert run_cli(capsys, "deploy", "--tag", tag, NO_REGISTRY).code == 0

    back = run_cli(capsys, "rollback", "1", "--yes", "--wait", "-o", "json")
    assert back.code == 0, back.err
    assert back.json()["data"]["revision"] == 3
    assert back.json()["data"]["rolled_back_to"] == 1
    assert _image(cluster, "wc-api").endswith(":v1")

    hist = run_cli(capsys, "deploy", "history", "-o", "json")
    assert hist.code == 0, hist.err
    rows = [
        (r["revision"], r["status"], r["image_tag"], r["chart_version"])
        for r in hist.json()["data"]["revisions"]
    ]
    assert rows == [
        (1, "superseded", "v1", "0.1.0"),
        (2, "superseded", "v2", "0.1.0"),
        (3, "deployed", "v1", "0.1.0"),
    ]
    assert all(r["updated"] for r in hist.json()["data"]["revisions"])
    table = run_cli(capsys, "deploy", "history")
    assert "superseded" in table.out and "wastecoach-0.1.0" in table.out

    missing = run_cli(capsys, "rollback", "9", "--yes")
    assert missing.code == 2
    assert "has no revision 9" in missing.err


def test_failed_atomic_upgrade_is_rolled_back(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "deploy", "--tag", "v1", "--wait", NO_REGISTRY).code == 0
    cluster.behaviour["v2-broken"] = "crash"

    run = run_cli(
        capsys, "deploy", "--tag", "v2-broken", "--atomic", "--timeout", "3s", NO_REGISTRY, "-o", "json"
    )
    assert run.code == 1
    data = run.json()["data"]
    assert run.json()["ok"] is False
    assert data["rolled_back_to"] == 3 and data["status"] == "deployed"
    assert "rolled back" in data["error"]
    assert _image(cluster, "wc-api").endswith(":v1")
    statuses = [_release_record(cluster, n)["info"]["status"] for n in (1, 2, 3)]
    assert statuses == ["superseded", "failed", "deployed"]


def _leave_pending_upgrade(cluster: FakeCluster) -> None:
    """What a `helm upgrade` killed mid-way leaves behind: a pending-upgrade revision record."""
    record = _release_record(cluster, 1)
    record["version"] = 2
    record["info"]["status"] = "pending-upgrade"
    secret = cluster.get("secrets", "waste", "sh.helm.release.v1.wc.v1")
    assert secret is not None
    blob = base64.b64encode(base64.b64encode(gzip.compress(json.dumps(record).encode()))).decode()
    labels = {**secret["metadata"]["labels"], "status": "pending-upgrade", "version": "2"}
    from tests.wastectl.deploy.fakestore import RESOURCES

    cluster.store.create(
        RESOURCES["secrets"],
        "waste",
        {
            "metadata": {"name": "sh.helm.release.v1.wc.v2", "labels": labels},
            "type": "helm.sh/release.v1",
            "data": {"release": blob},
        },
    )


def test_stuck_pending_upgrade_is_detected_with_the_fix(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "deploy", "--tag", "v1", NO_REGISTRY).code == 0
    _leave_pending_upgrade(cluster)
    before = len(cluster.requests)

    run = run_cli(capsys, "deploy", "--tag", "v2", NO_REGISTRY)
    assert run.code == 1
    assert "release wc is stuck in pending-upgrade (revision 2" in run.err
    assert "wastectl rollback 1 --namespace waste --release wc" in run.err
    assert [r for r in cluster.requests[before:] if r[0] != "GET"] == []

    # The offered fix works, and deploying afterwards succeeds.
    assert run_cli(capsys, "rollback", "1", "--yes").code == 0
    again = run_cli(capsys, "deploy", "--tag", "v2", NO_REGISTRY, "-o", "json")
    assert again.code == 0, again.err
    assert again.json()["data"]["revision"] == 4


def test_wait_timeout_without_atomic_leaves_a_failed_revision(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "deploy", "--tag", "v1", NO_REGISTRY).code == 0
    cluster.behaviour["v2"] = "pull"
    run = run_cli(capsys, "deploy", "--tag", "v2", "--wait", "--timeout", "2s", NO_REGISTRY)
    assert run.code == 1
    assert "upgrade of wc failed after" in run.out
    assert _release_record(cluster, 2)["info"]["status"] == "failed"
    status = run_cli(capsys, "status", "-o", "json")
    assert status.code == 1
    assert any("ImagePullBackOff" in p["reason"] for p in status.json()["data"]["pods"])
    assert "release revision 2 is failed" in status.json()["data"]["problems"]


def test_failed_atomic_install_removes_the_release(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster.behaviour["bad"] = "fail"  # the migration Job fails
    run = run_cli(capsys, "deploy", "--tag", "bad", "--atomic", "--timeout", "10s", NO_REGISTRY, "-o", "json")
    assert run.code == 1
    assert "has been uninstalled due to rollback-on-failure" in run.json()["data"]["error"]
    assert "failed pre-install: resource Job/waste/wc-migrate not ready" in run.json()["data"]["error"]
    assert cluster.objects("deployments", "waste") == []
    assert [
        s for s in cluster.objects("secrets", "waste") if s["metadata"]["name"].startswith("sh.helm")
    ] == []


def test_the_image_tag_defaults_to_the_current_commit(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess

    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    run = run_cli(capsys, "deploy", NO_REGISTRY, "-o", "json")
    assert run.code == 0, run.err
    assert run.json()["data"]["image_tag"] == head
    assert _image(cluster, "wc-api") == f"ghcr.io/example/wastecoach:{head}"


def test_stuck_pending_install_offers_clearing_the_record(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "deploy", "--tag", "v1", NO_REGISTRY).code == 0
    record = _release_record(cluster, 1)
    record["info"]["status"] = "pending-install"
    secret = cluster.get("secrets", "waste", "sh.helm.release.v1.wc.v1")
    assert secret is not None
    blob = base64.b64encode(gzip.compress(json.dumps(record).encode()))
    secret["data"]["release"] = base64.b64encode(blob).decode()
    secret["metadata"]["labels"]["status"] = "pending-install"
    run = run_cli(capsys, "deploy", "--tag", "v2", NO_REGISTRY)
    assert run.code == 1
    assert "stuck in pending-install (revision 1" in run.err
    assert "kubectl -n waste delete secret sh.helm.release.v1.wc.v1" in run.err


def test_plan_of_a_first_install_adds_everything_and_rollback_wants_confirmation(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = run_cli(capsys, "deploy", "--plan", "--tag", "v1", NO_REGISTRY, "-o", "json")
    assert plan.code == 0, plan.err
    assert plan.json()["data"]["current_revision"] is None
    actions = {(c["kind"], c["name"]): c["action"] for c in plan.json()["data"]["changes"]}
    assert set(actions.values()) == {"add"}
    assert ("Deployment", "wc-api") in actions and ("Job", "wc-migrate") in actions
    assert cluster.objects("deployments", "waste") == []

    not_installed = run_cli(capsys, "rollback", "--yes")
    assert not_installed.code == 1 and "release wc is not installed in namespace waste" in not_installed.err
    assert run_cli(capsys, "deploy", "--tag", "v1", NO_REGISTRY).code == 0
    unconfirmed = run_cli(capsys, "rollback")
    assert unconfirmed.code == 2 and "confirm with --yes" in unconfirmed.err
    nothing_earlier = run_cli(capsys, "rollback", "--yes")
    assert nothing_earlier.code == 2 and "no earlier revision" in nothing_earlier.err
