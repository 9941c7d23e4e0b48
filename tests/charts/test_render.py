"""The chart renders with the real Helm engine, lints clean and validates against Kubernetes 1.30."""

from __future__ import annotations

from typing import Any

import pytest

from tests.charts.support import CHART, KUBE_VERSION, RELEASE, VALUE_SETS, by_kind, render

# Operator CRDs are not in the core Kubernetes schemas: tests/charts/test_crds.py validates them.
CRD_KINDS = {"ServiceMonitor", "PrometheusRule"}


def test_lint_is_clean_in_strict_mode() -> None:
    import helm_python as helm

    result = helm.lint(str(CHART), strict=True, kube_version=f"v{KUBE_VERSION}")
    assert result["errors"] == []
    # Severity 1 is INFO (only "icon is recommended"); nothing at WARNING (2) or ERROR (3).
    assert [m for m in result["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize("value_set", sorted(VALUE_SETS))
def test_every_manifest_validates_against_kubernetes_schemas(value_set: str) -> None:
    import kubernetes_validate

    docs = render(VALUE_SETS[value_set])
    assert docs
    for doc in docs:
        if doc["kind"] in CRD_KINDS:
            continue
        # strict: unknown fields (a typo such as `imagee`) fail, not only wrong types.
        kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)


def test_strict_validation_catches_a_misspelt_field() -> None:
    """Proof that the validation above can fail: the same validator refuses a typo."""
    import kubernetes_validate
    from kubernetes_validate.utils import ValidationError

    deployment = by_kind(render(), "Deployment")[f"{RELEASE}-api"]
    deployment["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x"
    with pytest.raises(ValidationError):
        kubernetes_validate.validate(deployment, KUBE_VERSION, strict=True)


def test_release_facing_names_and_labels() -> None:
    """What `wastectl deploy/status/logs` rely on: names, component labels, the hook."""
    docs = render()
    deployments = by_kind(docs, "Deployment")
    assert set(deployments) == {
        f"{RELEASE}-api", f"{RELEASE}-beat",
        f"{RELEASE}-worker-analyse", f"{RELEASE}-worker-post", f"{RELEASE}-worker-batch",
    }  # fmt: skip
    for name, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "wastecoach"
        assert labels["app.kubernetes.io/instance"] == RELEASE
        component = name.removeprefix(f"{RELEASE}-").split("-")[0]
        assert labels["app.kubernetes.io/component"] == component
    job = by_kind(docs, "Job")[f"{RELEASE}-migrate"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["python", "-m", "api.predeploy"]


def _container(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    container: dict[str, Any] = by_kind(docs, kind)[name]["spec"]["template"]["spec"]["containers"][0]
    return container


def test_image_tag_and_digest() -> None:
    assert (
        _container(render(), "Deployment", f"{RELEASE}-api")["image"] == "ghcr.io/wastecoach/wastectl:0.1.0"
    )
    pinned = render({"image": {"repository": "ghcr.io/acme/waste", "tag": "3f2c1ab"}})
    assert _container(pinned, "Deployment", f"{RELEASE}-beat")["image"] == "ghcr.io/acme/waste:3f2c1ab"
    digest = "sha256:" + "a" * 64
    by_digest = render({"image": {"digest": digest}})
    assert _container(by_digest, "Job", f"{RELEASE}-migrate")["image"].endswith("@" + digest)


def test_ingress_routes_api_v1_through_the_alb() -> None:
    ingress = by_kind(render(VALUE_SETS["production"]), "Ingress")[f"{RELEASE}-api"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/target-type"] == "ip"
    assert annotations["alb.ingress.kubernetes.io/healthcheck-path"] == "/healthz"
    assert "HTTPS" in annotations["alb.ingress.kubernetes.io/listen-ports"]
    rule = ingress["spec"]["rules"][0]
    assert rule["host"] == "api.growbin.app"
    assert rule["http"]["paths"][0]["path"] == "/api/v1"
    assert ingress["spec"]["tls"] == [{"hosts": ["api.growbin.app"]}]
    arn = "arn:aws:acm:ap-northeast-2:111122223333:certificate/abc-123"
    explicit = by_kind(render({"ingress": {"certificateArn": arn}}), "Ingress")[f"{RELEASE}-api"]
    assert explicit["metadata"]["annotations"]["alb.ingress.kubernetes.io/certificate-arn"] == arn


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {item["name"]: item.get("valueFrom", {}).get("secretKeyRef") for item in container["env"]}


def test_secret_sources() -> None:
    """existingSecret, per-variable refs and the inline Secret; the hook has its own copy."""
    docs = render(VALUE_SETS["existing-secret"])
    assert "Secret" not in {d["kind"] for d in docs}
    env = _env(
        by_kind(docs, "Deployment")[f"{RELEASE}-worker-analyse"]["spec"]["template"]["spec"]["containers"][0]
    )
    assert env["WASTE_BROKER_URL"] == {"name": "rabbitmq-default-user", "key": "connection_string"}
    assert env["WASTE_DATABASE_URL"] == {"name": "wastecoach-app", "key": "WASTE_DATABASE_URL"}
    assert env["WASTE_OPENAI_API_KEY"]["optional"] is True

    inline = render(VALUE_SETS["inline-secret"])
    secrets = by_kind(inline, "Secret")
    assert set(secrets) == {f"{RELEASE}-env", f"{RELEASE}-migrate-env"}
    assert secrets[f"{RELEASE}-migrate-env"]["metadata"]["annotations"]["helm.sh/hook-weight"] == "-10"
    assert set(secrets[f"{RELEASE}-env"]["data"]) == set(VALUE_SETS["inline-secret"]["secrets"]["values"])
    job_env = _env(_container(inline, "Job", f"{RELEASE}-migrate"))
    assert job_env["WASTE_BROKER_URL"]["name"] == f"{RELEASE}-migrate-env"


def test_config_values_become_waste_variables() -> None:
    docs = render({"config": {"openai_model": "gpt-4o-mini", "scan_daily_quota": 20}})
    data = by_kind(docs, "ConfigMap")[f"{RELEASE}-config"]["data"]
    assert data["WASTE_OPENAI_MODEL"] == "gpt-4o-mini"
    assert data["WASTE_SCAN_DAILY_QUOTA"] == "20"
    assert data["WASTE_ENV"] == "production"


def test_package_builds(tmp_path: Any) -> None:
    import helm_python as helm

    helm.package(str(CHART), destination=str(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["wastecoach-0.1.0.tgz"]
