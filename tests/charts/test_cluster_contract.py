"""The chart and the cluster's Ansible roles agree: every pod the production chart renders can be
scheduled on a node the workers role labels (and tolerates that node's taints), and every Secret
reference of the production values names a Secret and key the data role writes, in the namespace
the chart deploys to."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.charts.support import NAMESPACE, REPO_ROOT, pod_specs, production_values, render

ANSIBLE = REPO_ROOT / "ansible"


def _tiers() -> dict[str, dict[str, Any]]:
    group_vars = yaml.safe_load((ANSIBLE / "group_vars/all.yml").read_text(encoding="utf-8"))
    tiers: dict[str, dict[str, Any]] = group_vars["node_tiers"]
    return tiers


def _tolerated(taint: dict[str, str], tolerations: list[dict[str, str]]) -> bool:
    for tol in tolerations:
        if tol.get("operator") == "Exists" and tol.get("key") in (None, taint["key"]):
            return True
        if (tol.get("key"), tol.get("value"), tol.get("effect")) == (
            taint["key"],
            taint["value"],
            taint["effect"],
        ):
            return True
    return False


def test_every_production_pod_has_a_node_it_can_run_on() -> None:
    tiers = _tiers()
    for name, spec in pod_specs(render(production_values())).items():
        selector = spec.get("nodeSelector") or {}
        fits = [
            tier
            for tier, node in tiers.items()
            if selector.items() <= node["labels"].items()
            and all(_tolerated(t, spec.get("tolerations") or []) for t in node["taints"])
        ]
        assert fits, f"{name}: nodeSelector {selector} matches no labelled, tolerated tier of {tiers}"


def test_the_data_tier_lands_on_the_storage_node() -> None:
    defaults = yaml.safe_load((ANSIBLE / "roles/data/defaults/main.yml").read_text(encoding="utf-8"))
    storage = _tiers()["storage"]
    assert defaults["data_node_selector"].items() <= storage["labels"].items()
    assert all(_tolerated(t, defaults["data_tolerations"]) for t in storage["taints"])
    assert defaults["data_namespace"] == NAMESPACE


def test_production_secret_refs_name_what_the_data_role_writes() -> None:
    template = (ANSIBLE / "roles/data/templates/data-secrets.yaml.j2").read_text(encoding="utf-8")
    written: dict[str, set[str]] = {}
    for block in template.split("\n---\n"):
        if "kind: Secret" not in block:
            continue
        name = re.search(r"^  name: (\S+)$", block, re.MULTILINE)
        data = block.split("stringData:\n", 1)[1]
        assert name is not None
        written[name.group(1)] = set(re.findall(r"^  ([A-Za-z_][\w.]*):", data, re.MULTILINE))
    refs = production_values()["secrets"]["refs"]
    assert refs, "the production values reference the data tier's Secrets"
    for variable, ref in refs.items():
        assert ref["name"] in written, f"{variable}: no {ref['name']!r} in {sorted(written)}"
        assert ref["key"] in written[ref["name"]], f"{variable}: {ref['name']} has no key {ref['key']!r}"
