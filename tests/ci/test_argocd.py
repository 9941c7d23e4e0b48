"""The ArgoCD Application: parses against the Application CRD's schema (the subset of
`argoproj.io/v1alpha1` this manifest uses, closed where the CRD is), points at the chart, and
the values it layers render."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.charts.support import render

REPO_ROOT = Path(__file__).resolve().parents[2]
APPLICATION = REPO_ROOT / "deploy" / "argocd" / "wastecoach.yaml"


def _closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        node["required"] = required
    return node


STR = {"type": "string"}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}
STRINGS = {"type": "array", "items": STR}
# From the CRD's openAPIV3Schema (applications.argoproj.io, v1alpha1): field names, types, required.
APPLICATION_SCHEMA = _closed(
    {
        "apiVersion": {"const": "argoproj.io/v1alpha1"},
        "kind": {"const": "Application"},
        "metadata": {"type": "object"},
        "spec": _closed(
            {
                "project": STR,
                "source": _closed(
                    {
                        "repoURL": STR,
                        "path": STR,
                        "targetRevision": STR,
                        "chart": STR,
                        "helm": _closed(
                            {
                                "releaseName": STR,
                                "valueFiles": STRINGS,
                                "values": STR,
                                "valuesObject": {"type": "object"},
                                "ignoreMissingValueFiles": BOOL,
                                "skipCrds": BOOL,
                                "passCredentials": BOOL,
                                "parameters": {
                                    "type": "array",
                                    "items": _closed({"name": STR, "value": STR, "forceString": BOOL}),
                                },
                            }
                        ),
                    },
                    ["repoURL"],
                ),
                "destination": _closed({"server": STR, "name": STR, "namespace": STR}),
                "syncPolicy": _closed(
                    {
                        "automated": _closed({"prune": BOOL, "selfHeal": BOOL, "allowEmpty": BOOL}),
                        "syncOptions": STRINGS,
                        "retry": _closed(
                            {
                                "limit": INT,
                                "backoff": _closed({"duration": STR, "factor": INT, "maxDuration": STR}),
                            }
                        ),
                    }
                ),
                "ignoreDifferences": {
                    "type": "array",
                    "items": _closed(
                        {
                            "group": STR,
                            "kind": STR,
                            "name": STR,
                            "namespace": STR,
                            "jsonPointers": STRINGS,
                            "jqPathExpressions": STRINGS,
                            "managedFieldsManagers": STRINGS,
                        },
                        ["kind"],
                    ),
                },
                "revisionHistoryLimit": INT,
            },
            ["destination", "project"],
        ),
    },
    ["apiVersion", "kind", "metadata", "spec"],
)


@pytest.fixture(scope="module")
def application() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(APPLICATION.read_text())
    return loaded


def test_parses_against_the_crd_schema(application: dict[str, Any]) -> None:
    jsonschema.validate(application, APPLICATION_SCHEMA)


def test_the_schema_refuses_a_misspelt_field(application: dict[str, Any]) -> None:
    broken = yaml.safe_load(APPLICATION.read_text())
    broken["spec"]["syncPolicy"]["automated"]["selfHael"] = True
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, APPLICATION_SCHEMA)


def test_points_at_the_chart_with_automated_sync_and_self_heal(application: dict[str, Any]) -> None:
    spec = application["spec"]
    chart_dir = REPO_ROOT / spec["source"]["path"]
    assert spec["source"]["path"] == "charts/wastecoach" and (chart_dir / "Chart.yaml").exists()
    assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True, "allowEmpty": False}
    assert spec["source"]["helm"]["releaseName"] == "wastecoach"
    for values_file in spec["source"]["helm"]["valueFiles"]:
        assert (chart_dir / values_file).exists(), values_file
    assert spec["ignoreDifferences"][0]["name"] == f"{spec['source']['helm']['releaseName']}-api"


def test_the_layered_values_render(application: dict[str, Any]) -> None:
    chart_dir = REPO_ROOT / application["spec"]["source"]["path"]
    merged: dict[str, Any] = {}
    for values_file in application["spec"]["source"]["helm"]["valueFiles"]:
        merged = _merge(merged, yaml.safe_load((chart_dir / values_file).read_text()))
    docs = render(merged, name=application["spec"]["source"]["helm"]["releaseName"])
    kinds = {doc["kind"] for doc in docs}
    assert {"Deployment", "Ingress", "PrometheusRule", "ServiceMonitor", "Job"} <= kinds


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = (
            _merge(merged[key], value)
            if isinstance(value, dict) and isinstance(merged.get(key), dict)
            else value
        )
    return merged
