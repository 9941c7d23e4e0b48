"""Which Node object the Kubernetes API registered for each inventory node (health and reset)."""

from __future__ import annotations

from typing import Any

from wastectl.nodes.model import Inventory


def match_nodes(kube_nodes: list[dict[str, Any]], inventory: Inventory) -> dict[str, dict[str, Any] | None]:
    """Inventory node name -> its Node object (matched by name, k8s-<name>, or InternalIP)."""
    out: dict[str, dict[str, Any] | None] = {}
    for node in inventory.nodes:
        found = None
        for item in kube_nodes:
            name = item.get("metadata", {}).get("name", "")
            addresses = {a.get("address") for a in item.get("status", {}).get("addresses") or []}
            if name in (node.name, f"k8s-{node.name}") or (node.private_ip and node.private_ip in addresses):
                found = item
                break
        out[node.name] = found
    return out
