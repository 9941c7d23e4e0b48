"""Cluster-layer checks through the Kubernetes API (kubeconfig fetched from the master by default)."""

from __future__ import annotations

from typing import Any

from wastectl.health.model import fail, warn
from wastectl.kube.client import KubeClient
from wastectl.nodes.model import Inventory
from wastectl.nodes.registered import match_nodes

CNI_DAEMONSETS = ("calico-node", "kube-flannel-ds", "cilium", "aws-node", "weave-net", "kube-router")
PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")


def api_ready(kube: KubeClient, inventory: Inventory) -> str:
    status, body = kube.text("/readyz?verbose")
    failing = [line[3:].split(" ")[0] for line in body.splitlines() if line.startswith("[-]")]
    if status != 200 or failing:
        raise fail(f"/readyz HTTP {status}; failing: {', '.join(failing) or body.strip()[-120:]}")
    return f"/readyz ok ({sum(1 for line in body.splitlines() if line.startswith('[+]'))} checks passed)"


def _condition(node: dict[str, Any], kind: str) -> str | None:
    for cond in node.get("status", {}).get("conditions") or []:
        if cond.get("type") == kind:
            return str(cond.get("status"))
    return None


def nodes_ready(kube: KubeClient, inventory: Inventory) -> str:
    """Every inventory node registered and Ready, and no Node the inventory does not know about:
    a NotReady Node missing from the inventory is an error too, a Ready one a warning."""
    items = kube.items("/api/v1/nodes")
    matched = match_nodes(items, inventory)
    known = {id(item) for item in matched.values() if item is not None}
    strangers = [item for item in items if id(item) not in known]
    missing = [name for name, item in matched.items() if item is None]
    not_ready = [
        name for name, item in matched.items() if item is not None and _condition(item, "Ready") != "True"
    ]
    strangers_down = [i["metadata"]["name"] for i in strangers if _condition(i, "Ready") != "True"]
    strangers_up = [i["metadata"]["name"] for i in strangers if _condition(i, "Ready") == "True"]
    ready = len(matched) - len(missing) - len(not_ready)
    summary = f"{ready}/{len(matched)} inventory nodes Ready"
    detail = [f"not registered: {', '.join(missing)}"] if missing else []
    detail += [f"NotReady: {', '.join(not_ready)}"] if not_ready else []
    detail += [f"NotReady and not in the inventory: {', '.join(strangers_down)}"] if strangers_down else []
    if detail:
        raise fail(f"{summary}; " + "; ".join(detail))
    if strangers_up:
        raise warn(
            f"{summary}; registered but not in the inventory ({inventory.source}): "
            + ", ".join(strangers_up)
            + " (add them to the inventory, or kubectl delete node NAME)"
        )
    return summary


def node_pressure(kube: KubeClient, inventory: Inventory) -> str:
    problems = []
    nodes = kube.items("/api/v1/nodes")
    for item in nodes:
        flagged = [kind for kind in PRESSURE if _condition(item, kind) == "True"]
        if flagged:
            problems.append(f"{item['metadata']['name']}: {', '.join(flagged)}")
    if problems:
        raise fail("; ".join(problems))
    return f"no pressure on {len(nodes)} node(s)"


def _pod_problem(pod: dict[str, Any]) -> str | None:
    phase = pod.get("status", {}).get("phase")
    if phase == "Succeeded":
        return None
    if phase != "Running":
        return str(phase)
    for status in pod.get("status", {}).get("containerStatuses") or []:
        if not status.get("ready"):
            reason = (status.get("state", {}).get("waiting") or {}).get("reason")
            return reason or "not ready"
    return None


def kube_system_pods(kube: KubeClient, inventory: Inventory) -> str:
    pods = kube.items("/api/v1/namespaces/kube-system/pods")
    bad = [(p["metadata"]["name"], problem) for p in pods if (problem := _pod_problem(p))]
    if bad:
        raise fail(
            f"{len(bad)}/{len(pods)} kube-system pods unhealthy: "
            + ", ".join(f"{name} ({why})" for name, why in bad[:8])
        )
    return f"{len(pods)} kube-system pods healthy"


def coredns(kube: KubeClient, inventory: Inventory) -> str:
    items = kube.items("/apis/apps/v1/namespaces/kube-system/deployments", labelSelector="k8s-app=kube-dns")
    if not items:
        raise fail("no CoreDNS deployment (k8s-app=kube-dns) in kube-system")
    dep = items[0]
    want = dep.get("spec", {}).get("replicas", 1)
    have = dep.get("status", {}).get("availableReplicas") or 0
    if have < want:
        raise fail(f"CoreDNS {have}/{want} replicas available")
    return f"CoreDNS {have}/{want} replicas available"


def cni_daemonset(kube: KubeClient, inventory: Inventory) -> str:
    sets = [d for d in kube.items("/apis/apps/v1/daemonsets") if d["metadata"]["name"] in CNI_DAEMONSETS]
    if not sets:
        raise fail("no CNI DaemonSet found (" + ", ".join(CNI_DAEMONSETS) + ")")
    problems, seen = [], []
    for ds in sets:
        status = ds.get("status", {})
        desired, ready = status.get("desiredNumberScheduled", 0), status.get("numberReady", 0)
        seen.append(f"{ds['metadata']['name']} {ready}/{desired}")
        if desired == 0 or ready < desired:
            problems.append(f"{ds['metadata']['name']} {ready}/{desired} ready")
        elif desired < len(inventory.nodes):
            raise warn(f"{ds['metadata']['name']} scheduled on {desired} of {len(inventory.nodes)} nodes")
    if problems:
        raise fail("; ".join(problems))
    return ", ".join(seen)


def kube_proxy(kube: KubeClient, inventory: Inventory) -> str:
    sets = {d["metadata"]["name"]: d for d in kube.items("/apis/apps/v1/namespaces/kube-system/daemonsets")}
    ds = sets.get("kube-proxy")
    if ds is None:
        if "cilium" in sets:
            return "no kube-proxy: cilium replaces it"
        raise fail("no kube-proxy DaemonSet in kube-system and no replacement (cilium) found")
    status = ds.get("status", {})
    desired, ready = status.get("desiredNumberScheduled", 0), status.get("numberReady", 0)
    if desired == 0 or ready < desired:
        raise fail(f"kube-proxy {ready}/{desired} ready")
    return f"kube-proxy {ready}/{desired} ready"


def _minor(version: str) -> tuple[int, int] | None:
    import re

    match = re.match(r"v?(\d+)\.(\d+)", version or "")
    return (int(match[1]), int(match[2])) if match else None


def kubelet_skew(kube: KubeClient, inventory: Inventory) -> str:
    """Kubernetes' version skew policy: a kubelet never newer than the API server, at most 3 minors older."""
    server = str((kube.get("/version") or {}).get("gitVersion", ""))
    api = _minor(server)
    if api is None:
        raise fail(f"cannot read the API server version from /version: {server!r}")
    bad, differ = [], []
    for node in kube.items("/api/v1/nodes"):
        kubelet = str(node.get("status", {}).get("nodeInfo", {}).get("kubeletVersion", ""))
        minor = _minor(kubelet)
        name = node["metadata"]["name"]
        if minor is None:
            continue
        if minor > api or minor[0] != api[0] or api[1] - minor[1] > 3:
            bad.append(f"{name} {kubelet}")
        elif minor != api:
            differ.append(f"{name} {kubelet}")
    if bad:
        raise fail(f"API server {server}; kubelet outside the supported skew: {', '.join(bad)}")
    if differ:
        raise warn(f"API server {server}; older kubelets (supported, upgrade soon): {', '.join(differ)}")
    return f"every kubelet matches the API server {server}"
