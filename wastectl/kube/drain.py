"""Cordon, drain (through the Eviction API, honouring PodDisruptionBudgets) and delete a Node."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from wastectl.kube.client import KubeClient, KubeError

Say = Callable[[str], None]
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


def cordon(kube: KubeClient, name: str) -> None:
    kube.request(
        "PATCH", f"/api/v1/nodes/{name}", json={"spec": {"unschedulable": True}}, headers=MERGE_PATCH
    )


def _skippable(pod: dict[str, Any]) -> str | None:
    meta = pod.get("metadata", {})
    if "kubernetes.io/config.mirror" in (meta.get("annotations") or {}):
        return "mirror pod"
    if any(ref.get("kind") == "DaemonSet" for ref in meta.get("ownerReferences") or []):
        return "DaemonSet"
    if pod.get("status", {}).get("phase") in ("Succeeded", "Failed"):
        return "finished"
    return None


def pods_on(kube: KubeClient, name: str) -> list[dict[str, Any]]:
    return kube.items("/api/v1/pods", fieldSelector=f"spec.nodeName={name}")


def uncordon(kube: KubeClient, name: str) -> None:
    kube.request(
        "PATCH", f"/api/v1/nodes/{name}", json={"spec": {"unschedulable": False}}, headers=MERGE_PATCH
    )


def drain(kube: KubeClient, name: str, *, timeout: float, say: Say, retry_every: float = 1.0) -> list[str]:
    """Evict every pod but DaemonSet and mirror pods; retry 429 (PDB) until `timeout`; then wait until
    the evicted pods are really gone (an eviction only starts the pod's graceful termination).
    Returns the evicted pods as namespace/name.
    """
    deadline = time.monotonic() + timeout
    pending = [p for p in pods_on(kube, name) if not _skippable(p)]
    evicted: list[str] = []
    while pending:
        blocked = []
        for pod in pending:
            meta = pod["metadata"]
            body = {
                "apiVersion": "policy/v1",
                "kind": "Eviction",
                "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
            }
            try:
                kube.request(
                    "POST", f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}/eviction", json=body
                )
            except KubeError as exc:
                if exc.status == 404:
                    continue
                if exc.status == 429:
                    blocked.append(pod)
                    continue
                raise
            evicted.append(f"{meta['namespace']}/{meta['name']}")
            say(f"  evicted {meta['namespace']}/{meta['name']}")
        if not blocked:
            break
        if time.monotonic() + retry_every > deadline:
            names = ", ".join(f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in blocked)
            raise KubeError(f"drain of {name} timed out: eviction refused (PodDisruptionBudget) for {names}")
        say(f"  {len(blocked)} eviction(s) refused by a PodDisruptionBudget; retrying")
        time.sleep(retry_every)
        pending = blocked
    wait_gone(kube, name, evicted, deadline=deadline, say=say, poll=min(retry_every, 0.5))
    return evicted


def wait_gone(
    kube: KubeClient, name: str, evicted: list[str], *, deadline: float, say: Say, poll: float = 0.5
) -> None:
    """Poll the node's pods until none of `evicted` is left; a timeout names the ones still there."""
    announced = False
    while evicted:
        left = sorted(
            f"{p['metadata']['namespace']}/{p['metadata']['name']}"
            for p in pods_on(kube, name)
            if f"{p['metadata']['namespace']}/{p['metadata']['name']}" in evicted
        )
        if not left:
            return
        if time.monotonic() + poll > deadline:
            raise KubeError(
                f"drain of {name} timed out: {len(left)} evicted pod(s) still terminating: {', '.join(left)}"
            )
        if not announced:
            say(f"  waiting for {len(left)} evicted pod(s) to terminate")
            announced = True
        time.sleep(poll)


def delete_node(kube: KubeClient, name: str) -> bool:
    """Delete the Node object; False when it was already gone."""
    try:
        kube.request("DELETE", f"/api/v1/nodes/{name}")
    except KubeError as exc:
        if exc.status == 404:
            return False
        raise
    return True
