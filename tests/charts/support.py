"""Render charts/wastecoach with the real Helm engine (helm-python-sdk, no helm binary)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART = REPO_ROOT / "charts" / "wastecoach"
KUBE_VERSION = "1.30.0"
RELEASE = "wastecoach"
NAMESPACE = "waste"

# Minimal inline secrets for value sets that let the chart make its own Secret.
INLINE_SECRETS = {
    "existingSecret": "",
    "values": {
        "WASTE_DATABASE_URL": "postgresql://waste:pw@postgres:5432/waste",
        "WASTE_BROKER_URL": "amqp://waste:pw@rabbitmq:5672/waste",
        "WASTE_REDIS_URL": "redis://redis:6379/0",
        "WASTE_JWT_SECRET": "x" * 48,
    },
}


def production_values() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((CHART / "values-production.yaml").read_text())
    return loaded


# The value sets every render, validation and policy test runs over.
VALUE_SETS: dict[str, dict[str, Any]] = {
    "default": {},
    "production": production_values(),
    "existing-secret": {
        "secrets": {
            "existingSecret": "wastecoach-app",
            "refs": {"WASTE_BROKER_URL": {"name": "rabbitmq-default-user", "key": "connection_string"}},
        }
    },
    "inline-secret": {"secrets": INLINE_SECRETS, "ingress": {"tls": False}},
    "monitoring": {
        "monitoring": {
            "serviceMonitor": {"enabled": True},
            "prometheusRule": {"enabled": True},
            "dashboard": {"enabled": True},
        },
        "api": {"autoscaling": {"enabled": False}},
    },
}


def render(values: dict[str, Any] | None = None, *, name: str = RELEASE) -> list[dict[str, Any]]:
    """Every rendered object (hooks included), parsed."""
    import helm_python as helm

    with helm.Chart.load(str(CHART)) as chart:
        rendered = chart.render(copy.deepcopy(values or {}), name=name, namespace=NAMESPACE)
    docs: list[dict[str, Any]] = []
    for text in rendered.values():
        docs.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return docs


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def pod_specs(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Pod specs of every workload (Deployments and Jobs), by object name."""
    return {
        doc["metadata"]["name"]: doc["spec"]["template"]["spec"]
        for doc in docs
        if doc["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet")
    }
