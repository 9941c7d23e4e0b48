"""A fake Kubernetes API server that the real Helm engine (helm-python-sdk's Go SDK) can install into.

What it serves, because Helm 4 and client-go call it: `/version`, legacy discovery (`/api`, `/apis`,
`/api/v1`, `/apis/<g>/<v>`), an OpenAPI v3 index whose per-group documents carry
`x-kubernetes-group-version-kind` (so client-go trusts server-side field validation), generic
CRUD on namespaced and cluster resources (POST 201, PUT, DELETE, GET with label and field selectors),
server-side apply (`application/apply-patch+yaml`, create-or-replace for one field manager),
merge and JSON patches, watches (including `sendInitialEvents` with the initial-events-end bookmark),
and pod logs with `follow`, `tailLines`, `sinceSeconds` and `timestamps`.

Why not kmock: no PUT, no selectors, no server-filled metadata and no 201 (toolchain notes §6), all of
which Helm's release storage and waiters need. There is no kube-controller-manager either, so a small
controller loop here plays one: Deployments get pods (whose fate is chosen per image tag: ok, crash,
pull, pending) and rollout status; Jobs complete or fail.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from fastapi import FastAPI

from tests.wastectl.deploy.fakeroutes import TOKEN
from tests.wastectl.deploy.fakestore import RESOURCES, Store
from tests.wastectl.deploy.faketls import ServerCerts


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeCluster:
    certs: ServerCerts
    address: str = "127.0.0.1"
    port: int = 0
    store: Store = field(default_factory=Store)
    #: image tag -> "ok" | "crash" | "pull" | "pending" | "fail" (Jobs); anything else is "ok"
    behaviour: dict[str, str] = field(default_factory=dict)
    ready_after: float = 0.3  # seconds before a healthy pod turns ready (so --wait has progress)
    job_seconds: float = 0.3
    requests: list[tuple[str, str]] = field(default_factory=list)
    logs: dict[tuple[str, str], list[tuple[datetime, str]]] = field(default_factory=dict)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    _controller: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"https://{self.address}:{self.port}"

    def write_kubeconfig(self, path: Path, *, context: str = "admin@test", namespace: str = "waste") -> Path:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": context,
            "clusters": [
                {
                    "name": "test",
                    "cluster": {
                        "server": self.url,
                        "certificate-authority-data": base64.b64encode(self.certs.ca.read_bytes()).decode(),
                    },
                }
            ],
            "users": [{"name": "admin", "user": {"token": TOKEN}}],
            "contexts": [
                {"name": context, "context": {"cluster": "test", "user": "admin", "namespace": namespace}}
            ],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        return path

    # --- test helpers ---------------------------------------------------------------------------

    def objects(self, plural: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return self.store.list(plural, namespace)

    def get(self, plural: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        return self.store.get(plural, namespace, name)

    def log(self, namespace: str, pod: str, line: str, at: datetime | None = None) -> None:
        with self.store.lock:
            self.logs.setdefault((namespace, pod), []).append((at or datetime.now(UTC), line))

    # --- controllers ----------------------------------------------------------------------------

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

    def _control_loop(self) -> None:
        while not self._stop.is_set():
            try:
                with self.store.lock:
                    for dep in self.store.list("deployments"):
                        self._reconcile_deployment(dep)
                    for job in self.store.list("jobs"):
                        self._reconcile_job(job)
            except Exception as exc:  # a broken controller must not kill the fake silently
                print(f"fakecluster controller: {exc!r}")
            self._stop.wait(0.05)

    # --- HTTP -----------------------------------------------------------------------------------

    def app(self) -> FastAPI:
        from tests.wastectl.deploy.fakeroutes import build_app

        return build_app(self)

    def start(self) -> FakeCluster:
        config = uvicorn.Config(
            self.app(),
            host=self.address,
            port=self.port,
            log_level="warning",
            lifespan="off",
            ssl_certfile=str(self.certs.cert),
            ssl_keyfile=str(self.certs.key),
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self.port:
            self.port = self._server.servers[0].sockets[0].getsockname()[1]
        self._controller = threading.Thread(target=self._control_loop, daemon=True)
        self._controller.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.store.closed = True
        if self._server is not None:
            self._server.should_exit = True
        for thread in (self._thread, self._controller):
            if thread is not None:
                thread.join(5)
