"""The Kubernetes half of `wastectl destroy`: delete what Kubernetes created in AWS, through the
Kubernetes API, while the cluster still answers, so its controllers remove the AWS side:

- Services of type LoadBalancer (their NLBs/CLBs),
- Ingresses (the ALBs of the AWS Load Balancer Controller),
- PersistentVolumeClaims (their EBS volumes, through the EBS CSI driver),

then wait (bounded) until they are gone. What is left in AWS afterwards is the sweep's job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wastectl.kube.client import KubeClient

_NET = "/apis/networking.k8s.io/v1"
_V1 = "/api/v1"
_PVC = _V1 + "/namespaces/{ns}/persistentvolumeclaims/{name}"
#: (kind, list path for all namespaces, delete path template)
KINDS: tuple[tuple[str, str, str], ...] = (
    ("Service", "/api/v1/services", "/api/v1/namespaces/{ns}/services/{name}"),
    ("Ingress", f"{_NET}/ingresses", _NET + "/namespaces/{ns}/ingresses/{name}"),
    ("PersistentVolumeClaim", f"{_V1}/persistentvolumeclaims", _PVC),
)  # fmt: skip


@dataclass
class KubeObject:
    kind: str
    namespace: str
    name: str

    @property
    def ref(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass
class KubeReport:
    found: list[KubeObject] = field(default_factory=list)
    removed: list[KubeObject] = field(default_factory=list)
    failed: list[tuple[KubeObject, str]] = field(default_factory=list)
    lingering: list[KubeObject] = field(default_factory=list)  # deleted, still there after the wait

    def as_dict(self) -> dict[str, Any]:
        return {
            "found": [o.ref for o in self.found],
            "removed": [o.ref for o in self.removed],
            "failed": [{"object": o.ref, "error": e} for o, e in self.failed],
            "lingering": [o.ref for o in self.lingering],
        }


def _wanted(kind: str, item: dict[str, Any]) -> bool:
    return kind != "Service" or (item.get("spec") or {}).get("type") == "LoadBalancer"


def discover(kube: KubeClient) -> list[KubeObject]:
    found = []
    for kind, path, _ in KINDS:
        for item in kube.items(path):
            meta = item.get("metadata") or {}
            if _wanted(kind, item):
                found.append(KubeObject(kind, str(meta.get("namespace", "default")), str(meta.get("name"))))
    return found


def clean(
    kube: KubeClient,
    *,
    dry_run: bool = False,
    wait_seconds: float = 180.0,
    on_event: Callable[[str], None] | None = None,
) -> KubeReport:
    from wastectl.kube.client import KubeError

    say = on_event or (lambda _message: None)
    report = KubeReport(found=discover(kube))
    if dry_run:
        return report
    templates = {kind: template for kind, _, template in KINDS}
    for obj in report.found:
        try:
            kube.request("DELETE", templates[obj.kind].format(ns=obj.namespace, name=obj.name))
        except KubeError as exc:
            if exc.status == 404:
                report.removed.append(obj)
                continue
            report.failed.append((obj, exc.message))
            say(f"could not delete {obj.ref}: {exc.message}")
        else:
            report.removed.append(obj)
            say(f"deleted {obj.ref}")
    pending = {(o.kind, o.namespace, o.name) for o in report.removed}
    deadline = time.monotonic() + wait_seconds
    while pending:
        still = {(o.kind, o.namespace, o.name) for o in discover(kube)} & pending
        pending = still
        if not pending or time.monotonic() >= deadline:
            break
        say(f"waiting for {len(pending)} object(s) to finish deleting (finalizers)")
        time.sleep(3)
    report.lingering = [o for o in report.removed if (o.kind, o.namespace, o.name) in pending]
    report.removed = [o for o in report.removed if o not in report.lingering]
    return report
