"""The fake's stand-in for kube-controller-manager, kubelet and scheduler: Deployments get pods whose
fate is chosen by image tag (ok, crash, pull, pending), rollout status follows them, Jobs finish.

A Deployment keeps its old pods until every new one is ready (like maxUnavailable=0), so a crashing
rollout leaves the old pods serving; hook Jobs complete after `job_seconds`, or fail with tag `fail`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from tests.wastectl.deploy.fakestore import RESOURCES, Store


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Controllers:
    store: Store
    behaviour: dict[str, str]
    ready_after: float
    job_seconds: float

    def log(self, namespace: str, pod: str, line: str, at: datetime | None = None) -> None:
        raise NotImplementedError

    def _fate(self, image: str) -> str:
        tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else "latest"
        return self.behaviour.get(tag, "ok")

    def _pod_status(self, pod: dict[str, Any], fate: str) -> dict[str, Any]:
        containers = pod["spec"].get("containers") or [{"name": "main", "image": "busybox"}]
        age = time.time() - pod["metadata"]["_created"]
        started = pod["metadata"]["creationTimestamp"]
        if fate == "pending":
            return {
                "phase": "Pending",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "message": "0/4 nodes are available: 4 Insufficient memory. preemption: 0/4 nodes "
                        "are available: 4 No preemption victims found for incoming pod.",
                    }
                ],
            }
        ready = fate == "ok" and age >= self.ready_after
        statuses = []
        for c in containers:
            if fate == "crash":
                state: dict[str, Any] = {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": f"back-off 5m0s restarting failed container={c['name']}",
                    }
                }
            elif fate == "pull":
                state = {
                    "waiting": {
                        "reason": "ImagePullBackOff",
                        "message": f'Back-off pulling image "{c["image"]}"',
                    }
                }
            else:
                state = {"running": {"startedAt": started}}
            statuses.append(
                {
                    "name": c["name"],
                    "image": c["image"],
                    "ready": ready,
                    "restartCount": 7 if fate == "crash" else 0,
                    "state": state,
                }
            )
        phase = "Pending" if fate == "pull" else "Running"
        return {
            "phase": phase,
            "conditions": [
                {"type": "PodScheduled", "status": "True"},
                {"type": "Ready", "status": "True" if ready else "False"},
            ],
            "containerStatuses": statuses,
            "startTime": started,
        }

    def _reconcile_deployment(self, dep: dict[str, Any]) -> None:
        meta = dep["metadata"]
        ns, name = meta["namespace"], meta["name"]
        template = dep["spec"].get("template") or {}
        digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]
        desired = int(dep["spec"].get("replicas", 1))
        pods = [
            p
            for p in self.store.list("pods", ns)
            if any(o.get("uid") == meta["uid"] for o in p["metadata"].get("ownerReferences") or [])
        ]
        new = [p for p in pods if p["metadata"]["labels"].get("pod-template-hash") == digest]
        old = [p for p in pods if p not in new]
        for index in range(len(new), desired):
            pod_name = f"{name}-{digest[:9]}-{uuid.uuid4().hex[:5]}"
            labels = {**(template.get("metadata", {}).get("labels") or {}), "pod-template-hash": digest}
            pod = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": pod_name,
                    "namespace": ns,
                    "labels": labels,
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "ReplicaSet",
                            "name": f"{name}-{digest[:9]}",
                            "uid": meta["uid"],
                            "controller": True,
                        }
                    ],
                },
                "spec": {
                    **copy.deepcopy(template.get("spec") or {}),
                    "nodeName": f"k8s-worker-{index % 2 + 1}",
                },
            }
            created = self.store.create(RESOURCES["pods"], ns, pod)
            first = (created["spec"].get("containers") or [{}])[0]
            self.log(ns, pod_name, f"starting {first.get('name', 'main')} image={first.get('image')}")
            new.append(created)
        ready_new = 0
        for pod in new[:desired] + old:
            fate = self._fate(((pod["spec"].get("containers") or [{}])[0]).get("image", ""))
            status = self._pod_status(pod, fate)
            if fate == "pending":
                pod["spec"].pop("nodeName", None)
            if status != pod.get("status"):
                self.store.set_status("pods", ns, pod["metadata"]["name"], status)
            if pod in new and all(c.get("ready") for c in status.get("containerStatuses") or [{}]):
                ready_new += 1 if status.get("containerStatuses") else 0
        for pod in new[desired:]:
            self.store.delete("pods", ns, pod["metadata"]["name"])
        if ready_new >= desired:
            for pod in old:
                self.store.delete("pods", ns, pod["metadata"]["name"])
            old = []
        ready_old = sum(
            1
            for p in old
            if all(
                c.get("ready")
                for c in (self.store.get("pods", ns, p["metadata"]["name"]) or {})
                .get("status", {})
                .get("containerStatuses")
                or [{}]
            )
        )
        done = ready_new >= desired
        status = {
            "observedGeneration": meta.get("generation", 1),
            "replicas": min(len(new), desired) + len(old),
            "updatedReplicas": min(len(new), desired),
            "readyReplicas": ready_new + ready_old,
            "availableReplicas": ready_new + ready_old,
            "conditions": [
                {
                    "type": "Available",
                    "status": "True" if ready_new + ready_old >= desired else "False",
                    "reason": "MinimumReplicasAvailable",
                },
                {
                    "type": "Progressing",
                    "status": "True",
                    "reason": "NewReplicaSetAvailable" if done else "ReplicaSetUpdated",
                },
            ],
        }
        if ready_new + ready_old == 0:
            status.pop("readyReplicas")
            status.pop("availableReplicas")
        if status != dep.get("status"):
            self.store.set_status("deployments", ns, name, status)

    def _reconcile_job(self, job: dict[str, Any]) -> None:
        if (job.get("status") or {}).get("conditions"):
            return
        meta = job["metadata"]
        if time.time() - meta["_created"] < self.job_seconds:
            if not job.get("status"):
                self.store.set_status(
                    "jobs", meta["namespace"], meta["name"], {"active": 1, "startTime": _now()}
                )
            return
        containers = (job["spec"].get("template") or {}).get("spec", {}).get("containers") or [{}]
        failed = self._fate(containers[0].get("image", "")) == "fail"
        condition = "Failed" if failed else "Complete"
        conditions = [{"type": condition, "status": "True", "lastTransitionTime": _now()}]
        if not failed:
            conditions.insert(
                0, {"type": "SuccessCriteriaMet", "status": "True", "lastTransitionTime": _now()}
            )
        else:
            conditions.insert(
                0,
                {
                    "type": "FailureTarget",
                    "status": "True",
                    "reason": "BackoffLimitExceeded",
                    "lastTransitionTime": _now(),
                },
            )
        status: dict[str, Any] = {"conditions": conditions, "startTime": _now(), "active": 0}
        status["failed" if failed else "succeeded"] = 1
        if not failed:
            status["completionTime"] = _now()
        self.store.set_status("jobs", meta["namespace"], meta["name"], status)
