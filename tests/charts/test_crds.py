"""ServiceMonitor and PrometheusRule parse against their CRDs' schemas (monitoring.coreos.com/v1):
the subset of fields the chart uses, closed where the CRD's openAPIV3Schema is, so a misspelt
field fails here instead of being pruned silently by the API server."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tests.charts.support import INLINE_SECRETS, RELEASE, VALUE_SETS, by_kind, pod_specs, render

STR = {"type": "string"}
BOOL = {"type": "boolean"}
STR_MAP = {"type": "object", "additionalProperties": STR}
DURATION = {
    "type": "string",
    "pattern": "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$",
}


def closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        node["required"] = required
    return node


METADATA = {"type": "object", "required": ["name"]}
SERVICE_MONITOR = closed(
    {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "ServiceMonitor"},
        "metadata": METADATA,
        "spec": closed(
            {
                "selector": closed({"matchLabels": STR_MAP, "matchExpressions": {"type": "array"}}),
                "namespaceSelector": closed({"any": BOOL, "matchNames": {"type": "array", "items": STR}}),
                "jobLabel": STR,
                "endpoints": {
                    "type": "array",
                    "items": closed({
                        "port": STR, "targetPort": {"type": ["string", "integer"]}, "path": STR,
                        "scheme": {"enum": ["http", "https"]}, "interval": DURATION,
                        "scrapeTimeout": DURATION, "honorLabels": BOOL, "relabelings": {"type": "array"},
                        "metricRelabelings": {"type": "array"},
                        "authorization": closed({
                            "type": STR,
                            "credentials": closed({"name": STR, "key": STR, "optional": BOOL}, ["key"]),
                        }),
                    }),
                },
            },
            ["selector"],
        ),
    },
    ["apiVersion", "kind", "metadata", "spec"],
)  # fmt: skip
RULE = closed(
    {"alert": STR, "record": STR, "expr": {"type": ["string", "integer"]}, "for": DURATION,
     "keep_firing_for": DURATION, "labels": STR_MAP, "annotations": STR_MAP},
    ["expr"],
)  # fmt: skip
PROMETHEUS_RULE = closed(
    {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "PrometheusRule"},
        "metadata": METADATA,
        "spec": closed({
            "groups": {"type": "array", "items": closed(
                {"name": STR, "interval": DURATION, "limit": {"type": "integer"},
                 "partial_response_strategy": STR, "rules": {"type": "array", "items": RULE}},
                ["name"])},
        }),
    },
    ["apiVersion", "kind", "metadata", "spec"],
)  # fmt: skip


@pytest.fixture(scope="module")
def monitoring_docs() -> list[dict[str, Any]]:
    return render(VALUE_SETS["monitoring"])


def test_service_monitor_matches_the_crd_and_scrapes_api_and_workers(
    monitoring_docs: list[dict[str, Any]],
) -> None:
    monitor = by_kind(monitoring_docs, "ServiceMonitor")[RELEASE]
    jsonschema.validate(monitor, SERVICE_MONITOR)
    ports = {e["port"] for e in monitor["spec"]["endpoints"]}
    services = by_kind(monitoring_docs, "Service")
    assert "http" in {p["name"] for p in services[f"{RELEASE}-api"]["spec"]["ports"]}
    assert "metrics" in {p["name"] for p in services[f"{RELEASE}-workers"]["spec"]["ports"]}
    assert ports == {"http", "metrics"}
    selector = monitor["spec"]["selector"]["matchLabels"]
    for name in (f"{RELEASE}-api", f"{RELEASE}-workers"):
        assert selector.items() <= services[name]["metadata"]["labels"].items(), name
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    # The API's /metrics answers only the bearer of WASTE_METRICS_TOKEN, the pods' own Secret key.
    api = next(e for e in monitor["spec"]["endpoints"] if e["port"] == "http")
    assert api["authorization"] == {
        "type": "Bearer", "credentials": {"name": "wastecoach-env", "key": "WASTE_METRICS_TOKEN"}
    }  # fmt: skip
    pod = pod_specs(monitoring_docs)[f"{RELEASE}-api"]["containers"][0]
    token_env = next(e for e in pod["env"] if e["name"] == "WASTE_METRICS_TOKEN")
    assert token_env["valueFrom"]["secretKeyRef"] == api["authorization"]["credentials"] | {"optional": True}


def test_service_monitor_takes_the_token_from_a_ref_and_fails_without_one() -> None:
    monitoring = {"serviceMonitor": {"enabled": True}}
    ref = {"name": "prometheus-scrape", "key": "token"}
    docs = render({"secrets": {"refs": {"WASTE_METRICS_TOKEN": ref}}, "monitoring": monitoring})
    endpoints = by_kind(docs, "ServiceMonitor")[RELEASE]["spec"]["endpoints"]
    assert endpoints[0]["authorization"]["credentials"] == ref
    with pytest.raises(Exception, match=r"monitoring\.serviceMonitor needs WASTE_METRICS_TOKEN"):
        render({"secrets": INLINE_SECRETS, "monitoring": monitoring})


def test_prometheus_rule_matches_the_crd(monitoring_docs: list[dict[str, Any]]) -> None:
    rule = by_kind(monitoring_docs, "PrometheusRule")[RELEASE]
    jsonschema.validate(rule, PROMETHEUS_RULE)


def test_the_crd_schemas_refuse_typos(monitoring_docs: list[dict[str, Any]]) -> None:
    monitor = by_kind(monitoring_docs, "ServiceMonitor")[RELEASE]
    monitor["spec"]["endpoints"][0]["intervall"] = "30s"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(monitor, SERVICE_MONITOR)
    rule = by_kind(monitoring_docs, "PrometheusRule")[RELEASE]
    rule["spec"]["groups"][0]["rules"][0]["for"] = "five minutes"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(rule, PROMETHEUS_RULE)
