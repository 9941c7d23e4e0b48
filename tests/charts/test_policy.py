"""Policies every rendered workload must meet, for every value set.

They make the predecessor's failures impossible here: liveness that killed busy Celery workers,
a second beat, a migration hook that hung the release, a `latest` image.
"""

from __future__ import annotations

from typing import Any

import pytest

from api.settings import Settings
from tests.charts.support import RELEASE, VALUE_SETS, by_kind, pod_specs, render


def _containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


@pytest.fixture(params=sorted(VALUE_SETS), scope="module")
def docs(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(VALUE_SETS[request.param])


def test_every_container_is_locked_down(docs: list[dict[str, Any]]) -> None:
    for name, spec in pod_specs(docs).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in _containers(spec):
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert "add" not in context["capabilities"], name


def test_every_container_has_requests_and_limits(docs: list[dict[str, Any]]) -> None:
    for name, spec in pod_specs(docs).items():
        for container in _containers(spec):
            resources = container["resources"]
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[kind]), (name, kind)


def test_no_mutable_image_tag(docs: list[dict[str, Any]]) -> None:
    for name, spec in pod_specs(docs).items():
        for container in _containers(spec):
            image = container["image"]
            assert "@sha256:" in image or ":" in image.rsplit("/", 1)[-1], (name, image)
            assert not image.endswith((":latest", ":main", ":master")), (name, image)


def test_every_long_running_container_has_probes(docs: list[dict[str, Any]]) -> None:
    for deployment in by_kind(docs, "Deployment").values():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                assert probe in container, (deployment["metadata"]["name"], probe)


def test_api_probes_use_healthz_and_readyz(docs: list[dict[str, Any]]) -> None:
    api = by_kind(docs, "Deployment")[f"{RELEASE}-api"]["spec"]["template"]["spec"]["containers"][0]
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_worker_liveness_never_asks_the_broker(docs: list[dict[str, Any]]) -> None:
    """No `celery inspect`/`status` (through the broker, waits for a free consumer): a heartbeat file."""
    for name, deployment in by_kind(docs, "Deployment").items():
        if name.endswith("-api"):
            continue
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            command = " ".join(container[probe]["exec"]["command"])
            assert "celery" not in command and "inspect" not in command, (name, probe, command)
            assert "/tmp/heartbeat" in command, (name, probe)


def test_worker_grace_period_outlasts_the_longest_task(docs: list[dict[str, Any]]) -> None:
    """scans.analyse makes at most two LLM calls (the repair attempt), each up to the timeout."""
    longest_analyse = 2 * Settings.model_fields["openai_timeout_seconds"].default
    deployment = by_kind(docs, "Deployment")[f"{RELEASE}-worker-analyse"]
    spec = deployment["spec"]["template"]["spec"]
    assert spec["terminationGracePeriodSeconds"] > longest_analyse + 30
    args = spec["containers"][0]["args"]
    assert "--pool=threads" in args and "--queues=scan.analyse" in args


def test_one_beat_replaced_by_recreate(docs: list[dict[str, Any]]) -> None:
    beat = by_kind(docs, "Deployment")[f"{RELEASE}-beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert "beat" in beat["spec"]["template"]["spec"]["containers"][0]["args"]


def test_migration_hook_cannot_hang_or_block_the_next_release(docs: list[dict[str, Any]]) -> None:
    job = by_kind(docs, "Job")[f"{RELEASE}-migrate"]
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    assert job["spec"]["activeDeadlineSeconds"] <= 3600
    assert job["spec"]["backoffLimit"] <= 5
    # Everything the hook reads exists before it: hooks of a lower weight, or Secrets the chart
    # does not own (existingSecret / refs).
    hook_names = {
        doc["metadata"]["name"]
        for doc in docs
        if "helm.sh/hook" in doc["metadata"].get("annotations", {})
        and int(doc["metadata"]["annotations"].get("helm.sh/hook-weight", "0")) < 0
    }
    owned = {doc["metadata"]["name"] for doc in docs if doc["kind"] in ("Secret", "ConfigMap")}
    container = job["spec"]["template"]["spec"]["containers"][0]
    for source in container["envFrom"]:
        assert source["configMapRef"]["name"] in hook_names
    for item in container["env"]:
        ref = item["valueFrom"]["secretKeyRef"]["name"]
        assert ref in hook_names or ref not in owned, ref


def test_every_process_gets_the_required_secrets(docs: list[dict[str, Any]]) -> None:
    """The predecessor shipped a Secret without the broker URL; here every container names all four."""
    required = {"WASTE_DATABASE_URL", "WASTE_BROKER_URL", "WASTE_REDIS_URL", "WASTE_JWT_SECRET"}
    for name, spec in pod_specs(docs).items():
        for container in spec["containers"]:
            env = {item["name"]: item for item in container["env"]}
            assert required <= set(env), name
            for key in required:
                assert not env[key]["valueFrom"]["secretKeyRef"].get("optional"), (name, key)


def test_placement_follows_the_seed_table(docs: list[dict[str, Any]]) -> None:
    tiers = {
        f"{RELEASE}-api": "api", f"{RELEASE}-migrate": "api", f"{RELEASE}-beat": "storage",
        f"{RELEASE}-worker-analyse": "workers", f"{RELEASE}-worker-post": "workers",
        f"{RELEASE}-worker-batch": "workers",
    }  # fmt: skip
    for name, spec in pod_specs(docs).items():
        assert spec["nodeSelector"] == {"waste.growbin.app/tier": tiers[name]}, name
        if tiers[name] != "api":
            assert {"key": "waste.growbin.app/tier", "operator": "Equal", "value": tiers[name],
                    "effect": "NoSchedule"} in spec["tolerations"], name  # fmt: skip
        if not name.endswith("-migrate"):
            assert spec["topologySpreadConstraints"][0]["topologyKey"] == "kubernetes.io/hostname"


def test_api_survives_node_drains(docs: list[dict[str, Any]]) -> None:
    pdb = by_kind(docs, "PodDisruptionBudget")[f"{RELEASE}-api"]
    assert pdb["spec"]["minAvailable"] >= 1
    api = by_kind(docs, "Deployment")[f"{RELEASE}-api"]
    assert api["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
