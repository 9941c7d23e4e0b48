"""A small fake Kubernetes API server (FastAPI + uvicorn in a thread) that speaks the real endpoints.

Why not kmock: it ignores label selectors, has no field selectors or eviction subresource, and the
client must not be patched. This one keeps objects in memory, enforces a bearer token, supports
`labelSelector`/`fieldSelector` equality, PATCH (merge) on nodes, eviction and DELETE, and records
every request for assertions.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

TOKEN = "fake-admin-token"


def _status(code: int, reason: str, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        },
        status_code=code,
    )


def _get(obj: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        obj = obj.get(part, {}) if isinstance(obj, dict) else {}
    return obj if obj != {} else None


def _matches(obj: dict[str, Any], labels: str | None, fields: str | None) -> bool:
    for clause in (labels or "").split(","):
        if clause:
            key, _, value = clause.partition("=")
            if (obj.get("metadata", {}).get("labels") or {}).get(key) != value:
                return False
    for clause in (fields or "").split(","):
        if not clause:
            continue
        negate = "!=" in clause
        key, _, value = clause.replace("!=", "=").replace("==", "=").partition("=")
        if (str(_get(obj, key)) == value) == negate:
            return False
    return True


@dataclass
class FakeKube:
    address: str = "127.0.0.1"
    port: int = 0
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    readyz_failing: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    evict_refusals: dict[str, int] = field(default_factory=dict)  # pod name -> 429s to answer first
    forbidden_deletes: set[str] = field(default_factory=set)  # object names whose DELETE answers 403
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"

    def write_kubeconfig(self, path: Path, *, server: str | None = None) -> Path:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "admin@test",
            "clusters": [{"name": "test", "cluster": {"server": server or self.url}}],
            "users": [{"name": "admin", "user": {"token": TOKEN}}],
            "contexts": [{"name": "admin@test", "context": {"cluster": "test", "user": "admin"}}],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        return path

    def add(self, kind: str, obj: dict[str, Any]) -> None:
        self.objects.setdefault(kind, []).append(copy.deepcopy(obj))

    def find(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        for obj in self.objects.get(kind, []):
            meta = obj["metadata"]
            if meta["name"] == name and (namespace is None or meta.get("namespace") == namespace):
                return obj
        return None

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.middleware("http")
        async def auth(request: Request, call_next: Any) -> Any:
            self.requests.append(
                (
                    request.method,
                    str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
                )
            )
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return _status(401, "Unauthorized", "Unauthorized")
            return await call_next(request)

        @api.get("/readyz")
        def readyz(verbose: str | None = None) -> PlainTextResponse:
            checks = ["ping", "log", "etcd", "informer-sync", "poststarthook/start-apiextensions-informers"]
            lines = [
                f"[-]{c} failed: reason withheld" if c in self.readyz_failing else f"[+]{c} ok"
                for c in checks
            ]
            ok = not self.readyz_failing
            body = "\n".join(lines) + ("\nreadyz check passed\n" if ok else "\nreadyz check failed\n")
            return PlainTextResponse(body, status_code=200 if ok else 500)

        def listing(kind: str, request: Request, namespace: str | None = None) -> dict[str, Any]:
            params = request.query_params
            items = [
                o
                for o in self.objects.get(kind, [])
                if (namespace is None or o["metadata"].get("namespace") == namespace)
                and _matches(o, params.get("labelSelector"), params.get("fieldSelector"))
            ]
            return {
                "kind": kind.capitalize() + "List",
                "apiVersion": "v1",
                "metadata": {"resourceVersion": "1"},
                "items": items,
            }

        for kind, prefix in (
            ("nodes", "/api/v1"),
            ("pods", "/api/v1"),
            ("persistentvolumeclaims", "/api/v1"),
            ("secrets", "/api/v1"),
            ("services", "/api/v1"),
            ("deployments", "/apis/apps/v1"),
            ("daemonsets", "/apis/apps/v1"),
            ("ingresses", "/apis/networking.k8s.io/v1"),
        ):
            api.add_api_route(f"{prefix}/{kind}", _cluster_route(listing, kind))
            api.add_api_route(f"{prefix}/namespaces/{{namespace}}/{kind}", _namespaced_route(listing, kind))

        def delete_namespaced(kind: str, namespace: str, name: str) -> Any:
            obj = self.find(kind, name, namespace)
            if obj is None:
                return _status(404, "NotFound", f'{kind} "{name}" not found')
            if name in self.forbidden_deletes:
                return _status(403, "Forbidden", f'{kind} "{name}" is forbidden: cannot delete')
            self.objects[kind].remove(obj)
            return {"kind": "Status", "apiVersion": "v1", "status": "Success"}

        for kind, prefix in (
            ("services", "/api/v1"),
            ("persistentvolumeclaims", "/api/v1"),
            ("ingresses", "/apis/networking.k8s.io/v1"),
        ):
            api.add_api_route(
                f"{prefix}/namespaces/{{namespace}}/{kind}/{{name}}",
                _delete_route(delete_namespaced, kind),
                methods=["DELETE"],
            )

        @api.get("/api/v1/nodes/{name}")
        def get_node(name: str) -> Any:
            return self.find("nodes", name) or _status(404, "NotFound", f'nodes "{name}" not found')

        @api.patch("/api/v1/nodes/{name}")
        async def patch_node(name: str, request: Request) -> Any:
            node = self.find("nodes", name)
            if node is None:
                return _status(404, "NotFound", f'nodes "{name}" not found')
            if request.headers.get("content-type") not in (
                "application/merge-patch+json",
                "application/strategic-merge-patch+json",
            ):
                return _status(415, "UnsupportedMediaType", "unsupported patch type")
            body = await request.json()
            for key, value in body.get("spec", {}).items():
                node.setdefault("spec", {})[key] = value
            return node

        @api.delete("/api/v1/nodes/{name}")
        def delete_node(name: str) -> Any:
            node = self.find("nodes", name)
            if node is None:
                return _status(404, "NotFound", f'nodes "{name}" not found')
            self.objects["nodes"].remove(node)
            return {"kind": "Status", "status": "Success"}

        @api.post("/api/v1/namespaces/{namespace}/pods/{name}/eviction")
        async def evict(namespace: str, name: str, request: Request) -> Any:
            body = await request.json()
            if body.get("kind") != "Eviction":
                return _status(400, "BadRequest", "expected an Eviction")
            pod = self.find("pods", name, namespace)
            if pod is None:
                return _status(404, "NotFound", f'pods "{name}" not found')
            if self.evict_refusals.get(name, 0) > 0:
                self.evict_refusals[name] -= 1
                return _status(
                    429,
                    "TooManyRequests",
                    "Cannot evict pod as it would violate the pod's disruption budget.",
                )
            self.objects["pods"].remove(pod)
            return JSONResponse({"kind": "Status", "status": "Success"}, status_code=201)

        return api

    def start(self) -> FakeKube:
        config = uvicorn.Config(
            self.app(), host=self.address, port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self.port:
            self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)


def _cluster_route(listing: Any, kind: str) -> Any:
    def route(request: Request) -> Any:
        return listing(kind, request)

    return route


def _namespaced_route(listing: Any, kind: str) -> Any:
    def route(namespace: str, request: Request) -> Any:
        return listing(kind, request, namespace)

    return route


def _delete_route(delete: Any, kind: str) -> Any:
    def route(namespace: str, name: str) -> Any:
        return delete(kind, namespace, name)

    return route


def healthy_cluster(kube: FakeKube, nodes: list[tuple[str, str]]) -> None:
    """Seed a cluster that passes every check: (name, internal IP) per node."""
    for name, ip in nodes:
        kube.add(
            "nodes",
            {
                "metadata": {"name": f"k8s-{name}", "labels": {"kubernetes.io/hostname": f"k8s-{name}"}},
                "spec": {},
                "status": {
                    "addresses": [{"type": "InternalIP", "address": ip}],
                    "conditions": [
                        {"type": t, "status": "False"}
                        for t in ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
                    ]
                    + [{"type": "Ready", "status": "True"}],
                },
            },
        )
        kube.add("pods", _pod(f"calico-node-{name}", "kube-system", f"k8s-{name}", owner="DaemonSet"))
        kube.add("pods", _pod(f"web-{name}", "waste", f"k8s-{name}", owner="ReplicaSet"))
    kube.add(
        "pods", _pod("coredns-5d78c9869d-abcde", "kube-system", f"k8s-{nodes[0][0]}", owner="ReplicaSet")
    )
    kube.add(
        "deployments",
        {
            "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
            "spec": {"replicas": 2},
            "status": {"availableReplicas": 2},
        },
    )
    kube.add(
        "deployments",
        {
            "metadata": {"name": "api", "namespace": "waste", "labels": {"app": "api"}},
            "spec": {"replicas": 2},
            "status": {"availableReplicas": 2},
        },
    )
    kube.add(
        "daemonsets",
        {
            "metadata": {"name": "calico-node", "namespace": "kube-system"},
            "status": {"desiredNumberScheduled": len(nodes), "numberReady": len(nodes)},
        },
    )
    kube.add(
        "persistentvolumeclaims",
        {"metadata": {"name": "data-postgres-0", "namespace": "waste"}, "status": {"phase": "Bound"}},
    )
    for version, status in ((1, "superseded"), (2, "deployed")):
        kube.add(
            "secrets",
            {
                "metadata": {
                    "name": f"sh.helm.release.v1.waste.v{version}",
                    "namespace": "waste",
                    "labels": {"owner": "helm", "name": "waste", "status": status, "version": str(version)},
                }
            },
        )


def _pod(name: str, namespace: str, node: str, *, owner: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app": name.split("-", maxsplit=1)[0]},
            "ownerReferences": [{"kind": owner, "name": name.rsplit("-", 1)[0], "controller": True}],
        },
        "spec": {"nodeName": node, "containers": [{"name": "main", "image": "busybox"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {"name": "main", "ready": True, "restartCount": 0, "state": {"running": {}}}
            ],
        },
    }
