"""values.schema.json refuses wrong values at render time and names their path.

Without a schema Helm only prints `warning: skipped value ... Not a table` and renders anyway
(toolchain notes §5), so each case here is a value Helm alone would have accepted or mangled.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.tasks.names import WORK_QUEUES
from tests.charts.support import CHART, render

GROUP = {
    "queues": ["batch"], "pool": "threads", "concurrency": 1, "replicas": 1,
    "terminationGracePeriodSeconds": 60,
    "resources": {"requests": {"cpu": "1", "memory": "1Mi"}, "limits": {"cpu": "1", "memory": "1Mi"}},
}  # fmt: skip
EXTRA = "/workers/groups/extra"
RES = {"requests": {"cpu": "1", "memory": "1Mi"}, "limits": None}


def extra_group(**overrides: Any) -> dict[str, Any]:
    return {"workers": {"groups": {"extra": {**GROUP, **overrides}}}}


REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("table given a string", {"api": "big"}, "/api"),
    ("string for an integer", {"api": {"replicas": "two"}}, "/api/replicas"),
    ("mutable tag", {"image": {"tag": "latest"}}, "/image/tag"),
    ("bad digest", {"image": {"digest": "sha256:123"}}, "/image/digest"),
    ("typo in a key", {"api": {"replcas": 3}}, "replcas"),
    ("unknown queue", extra_group(queues=["scans"]), f"{EXTRA}/queues/0"),
    ("prefork pool", extra_group(pool="prefork"), f"{EXTRA}/pool"),
    ("short grace", extra_group(terminationGracePeriodSeconds=5), f"{EXTRA}/terminationGracePeriodSeconds"),
    ("missing limits", {"beat": {"resources": RES}}, "/beat/resources"),
    ("root allowed", {"podSecurityContext": {"runAsNonRoot": False}}, "/podSecurityContext/runAsNonRoot"),
    # propertyNames errors carry the key, not its path (Helm's validator).
    ("secret in the ConfigMap", {"config": {"broker_url": "amqp://x"}}, "invalid propertyName 'broker_url'"),
    ("bad ARN", {"ingress": {"certificateArn": "my-cert"}}, "/ingress/certificateArn"),
    ("bad environment", {"environment": "prod"}, "/environment"),
    ("bad secret ref", {"secrets": {"refs": {"WASTE_BROKER_URL": {"name": "rabbit"}}}}, "/secrets/refs/"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "values", "path"), REFUSED, ids=[c[0] for c in REFUSED])
def test_wrong_value_is_refused_with_its_path(case: str, values: dict[str, Any], path: str) -> None:
    from helm_python import HelmValuesError

    with pytest.raises(HelmValuesError) as caught:
        render(values)
    assert path in str(caught.value), str(caught.value)


def test_missing_required_secret_fails_rendering_with_a_fix() -> None:
    """An inline Secret without the broker URL (the predecessor's outage) does not render."""
    from helm_python import HelmRenderError

    values = {
        "secrets": {
            "existingSecret": "",
            "values": {"WASTE_DATABASE_URL": "postgresql://x", "WASTE_REDIS_URL": "redis://x",
                       "WASTE_JWT_SECRET": "x" * 40},
        }
    }  # fmt: skip
    with pytest.raises(HelmRenderError) as caught:
        render(values)
    assert "secrets.values.WASTE_BROKER_URL is required" in str(caught.value)


def test_a_queue_nobody_consumes_fails_rendering() -> None:
    from helm_python import HelmRenderError

    with pytest.raises(HelmRenderError) as caught:
        render({"workers": {"groups": {"batch": None}}})
    assert 'no group consumes queue "batch"' in str(caught.value)


def test_schema_queue_enum_is_the_topology() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    group = schema["properties"]["workers"]["properties"]["groups"]["additionalProperties"]
    assert group["properties"]["queues"]["items"]["enum"] == list(WORK_QUEUES)


def test_every_schema_property_is_described() -> None:
    """docs/deploy.md is generated from these descriptions: none may be missing."""
    schema = json.loads((CHART / "values.schema.json").read_text())
    missing: list[str] = []

    def walk(node: dict[str, Any], path: str) -> None:
        for key, child in node.get("properties", {}).items():
            if not child.get("description"):
                missing.append(f"{path}.{key}".lstrip("."))
            walk(child, f"{path}.{key}")
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and extra.get("properties"):
            walk(extra, f"{path}.<name>")

    walk(schema, "")
    assert missing == []
