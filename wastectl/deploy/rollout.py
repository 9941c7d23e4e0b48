"""Rollout progress while Helm waits: each Deployment's updated/ready replicas and the hook Jobs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wastectl.deploy.target import INSTANCE_LABEL, Target

if TYPE_CHECKING:
    from wastectl.kube.client import KubeClient


def image_tag(image: str) -> str:
    last = image.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else "latest"


def deployment_line(dep: dict[str, Any]) -> str:
    spec, status = dep.get("spec") or {}, dep.get("status") or {}
    desired = int(spec.get("replicas", 1))
    ready = int(status.get("readyReplicas", 0))
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or [{}]
    return (
        f"deployment {dep['metadata']['name']}: {int(status.get('updatedReplicas', 0))}/{desired} updated, "
        f"{ready}/{desired} ready (tag {image_tag(str(containers[0].get('image', '')))})"
    )


def job_state(job: dict[str, Any]) -> str:
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("status") == "True" and condition.get("type") in ("Complete", "Failed"):
            return "complete" if condition["type"] == "Complete" else "failed"
    return "running"


@dataclass
class RolloutWatch:
    target: Target
    emit: Callable[[str], None]
    seen: dict[str, str] = field(default_factory=dict)

    def __call__(self, kube: KubeClient) -> None:
        ns, selector = self.target.namespace, f"{INSTANCE_LABEL}={self.target.release}"
        lines: dict[str, str] = {}
        for dep in kube.items(f"/apis/apps/v1/namespaces/{ns}/deployments", labelSelector=selector):
            lines["deployment/" + dep["metadata"]["name"]] = deployment_line(dep)
        for job in kube.items(f"/apis/batch/v1/namespaces/{ns}/jobs", labelSelector=selector):
            lines["job/" + job["metadata"]["name"]] = f"job {job['metadata']['name']}: {job_state(job)}"
        for key, line in sorted(lines.items()):
            if self.seen.get(key) != line:
                self.seen[key] = line
                self.emit(line)
