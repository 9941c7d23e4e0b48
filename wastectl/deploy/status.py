"""`wastectl status`: the release, its workloads and pods, the queues, and the scan metrics on one screen.

Pods that are not ready carry the reason a person would look up next: the container's waiting reason
(CrashLoopBackOff, ImagePullBackOff...) or, for Pending, the scheduler's message.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wastectl.deploy.model import ReleaseStatus, Revision
from wastectl.deploy.rollout import image_tag
from wastectl.deploy.target import COMPONENT_LABEL, INSTANCE_LABEL, Target
from wastectl.errors import WastectlError

if TYPE_CHECKING:
    from wastectl.deploy.metrics import ScanMetrics
    from wastectl.kube.client import KubeClient


@dataclass
class WorkloadRow:
    name: str
    component: str
    ready: int
    desired: int
    image_tag: str
    pods: int = 0  # status.replicas: more than desired while a rollout has old and new pods

    @property
    def healthy(self) -> bool:
        return self.ready >= self.desired and self.pods <= self.desired


@dataclass
class PodRow:
    name: str
    component: str
    phase: str
    ready: bool
    restarts: int
    age: str
    node: str
    reason: str = ""


@dataclass
class StatusReport:
    release: str
    namespace: str
    revision: Revision | None
    workloads: list[WorkloadRow]
    pods: list[PodRow]
    queues: list[dict[str, Any]] | None = None
    workers_online: list[str] | None = None
    metrics: ScanMetrics | None = None
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "release": self.release,
            "namespace": self.namespace,
            "revision": self.revision.as_dict() if self.revision else None,
            "workloads": [{**asdict(w), "healthy": w.healthy} for w in self.workloads],
            "pods": [asdict(p) for p in self.pods],
            "queues": self.queues,
            "workers_online": self.workers_online,
            "metrics": self.metrics.as_dict() if self.metrics else None,
            "notes": self.notes,
            "problems": self.problems,
            "healthy": not self.problems,
        }


def _age(created: str | None, now: datetime) -> str:
    if not created:
        return "?"
    seconds = int(
        (now - datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)).total_seconds()
    )
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def pod_reason(pod: dict[str, Any]) -> str:
    status = pod.get("status") or {}
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        for kind in ("waiting", "terminated"):
            detail = state.get(kind)
            if detail and detail.get("reason") and detail.get("reason") != "Completed":
                message = detail.get("message")
                return f"{detail['reason']}: {message}" if message else str(detail["reason"])
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            return f"{condition.get('reason', 'Unschedulable')}: {condition.get('message', '')}".strip(": ")
    return ""


def pod_row(pod: dict[str, Any], now: datetime) -> PodRow:
    meta, status = pod["metadata"], pod.get("status") or {}
    containers = status.get("containerStatuses") or []
    ready = bool(containers) and all(c.get("ready") for c in containers)
    return PodRow(
        name=meta["name"],
        component=(meta.get("labels") or {}).get(COMPONENT_LABEL, "?"),
        phase=str(status.get("phase", "Unknown")),
        ready=ready,
        restarts=sum(int(c.get("restartCount", 0)) for c in containers),
        age=_age(meta.get("creationTimestamp"), now),
        node=str((pod.get("spec") or {}).get("nodeName") or "-"),
        reason="" if ready else pod_reason(pod),
    )


def workloads(kube: KubeClient, target: Target) -> tuple[list[WorkloadRow], list[PodRow]]:
    ns, selector = target.namespace, f"{INSTANCE_LABEL}={target.release}"
    rows = []
    for dep in kube.items(f"/apis/apps/v1/namespaces/{ns}/deployments", labelSelector=selector):
        spec = dep.get("spec") or {}
        containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or [{}]
        rows.append(
            WorkloadRow(
                name=dep["metadata"]["name"],
                component=(dep["metadata"].get("labels") or {}).get(COMPONENT_LABEL, "?"),
                ready=int((dep.get("status") or {}).get("readyReplicas", 0)),
                desired=int(spec.get("replicas", 1)),
                image_tag=image_tag(str(containers[0].get("image", ""))),
                pods=int((dep.get("status") or {}).get("replicas", 0)),
            )
        )
    now = datetime.now(UTC)
    pods = [
        pod_row(p, now)
        for p in kube.items(f"/api/v1/namespaces/{ns}/pods", labelSelector=selector)
        if (p["metadata"].get("labels") or {}).get(COMPONENT_LABEL) in ("api", "worker", "beat")
    ]
    return sorted(rows, key=lambda r: r.name), sorted(pods, key=lambda p: (p.component, p.name))


def _queues(report: StatusReport) -> None:
    from api.tasks.names import DLQ_SUFFIX, WORK_QUEUES
    from wastectl import settings as cli_settings
    from wastectl.queues.management import list_pidbox_workers, list_queues, target_from

    settings = cli_settings.load()
    if not settings.broker_url:
        report.notes.append("queues: WASTE_BROKER_URL is not set, so queue depths are not shown")
        return
    try:
        broker = target_from(settings.broker_url, settings.rabbitmq_management_url)
        rows = list_queues(broker, WORK_QUEUES, DLQ_SUFFIX)
        report.workers_online = list_pidbox_workers(broker)
    except WastectlError as exc:
        report.problems.append(f"queues: {exc.message}")
        return
    report.queues = [r.as_dict() for r in rows]
    for row in rows:
        if row.dlq_messages:
            report.problems.append(f"{row.dlq} holds {row.dlq_messages} dead letter(s)")
    if not report.workers_online:
        report.problems.append("no Celery worker is online (no pidbox consumer on the broker)")


def gather(target: Target, *, prometheus_url: str | None, api_url: str | None) -> StatusReport:
    from wastectl.deploy.metrics import scan_metrics
    from wastectl.deploy.releases import read_revisions, stuck_fix

    kube = target.kube()
    try:
        target.probe(kube)
        with target.helm() as config:
            revisions = read_revisions(config, target.release)
        rows, pods = workloads(kube, target)
    finally:
        kube.close()
    report = StatusReport(target.release, target.namespace, revisions[-1] if revisions else None, rows, pods)
    if not revisions:
        report.problems.append(f"release {target.release} is not installed in namespace {target.namespace}")
    elif (stuck := stuck_fix(target, revisions)) is not None:
        report.problems.append(f"{stuck.message}; fix: {stuck.hint}")
    elif revisions[-1].status is not ReleaseStatus.deployed:
        report.problems.append(f"release revision {revisions[-1].revision} is {revisions[-1].status.value}")
    for row in rows:
        if row.ready < row.desired:
            report.problems.append(f"deployment {row.name}: {row.ready}/{row.desired} ready")
        elif not row.healthy:
            report.problems.append(
                f"deployment {row.name}: rollout of tag {row.image_tag} not finished "
                f"({row.pods} pods for {row.desired} desired; the old ones still serve)"
            )
    for pod in pods:
        if not pod.ready:
            report.problems.append(f"pod {pod.name} not ready: {pod.reason or pod.phase}")
    _queues(report)
    report.metrics, note = scan_metrics(prometheus_url, api_url)
    if note:
        report.notes.append(note)
    return report
