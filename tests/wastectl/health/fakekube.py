"""A small fake Kubernetes API server (FastAPI + uvicorn in a thread) that speaks the real endpoints.

Why not kmock: it ignores label selectors, has no field selectors or eviction subresource, and the
client must not be patched. This one keeps objects in memory, enforces a bearer token, supports
`labelSelector`/`fieldSelector` equality, PATCH (merge) on nodes, eviction and DELETE, and records
every request for assertions.
"""

from __future__ import annotations

import copy
import shutil
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
READONLY_TOKEN = "fake-readonly-token"  # the read-only identity: GET only, anything else 403
#: What a kubeadm API server certificate names when no extra SANs were given (no 127.x address).
KUBEADM_SANS = ("kubernetes", "kubernetes.default", "kubernetes.default.svc", "10.96.0.1", "10.0.1.10")


def make_tls(directory: Path, names: tuple[str, ...]) -> tuple[Path, Path, bytes]:
    """A CA and a server certificate for `names` (DNS names or IPs): (cert file, key file, CA PEM)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("kubernetes-ca"))
        .issuer_name(name("kubernetes-ca"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    sans: list[x509.GeneralName] = []
    for item in names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(item)))
        except ValueError:
            sans.append(x509.DNSName(item))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("kube-apiserver"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = directory / "apiserver.crt", directory / "apiserver.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file, ca.public_bytes(serialization.Encoding.PEM)


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
    evict_grace: dict[str, float] = field(default_factory=dict)  # pod name -> seconds it keeps terminating
    version: str = "v1.28.4"  # what GET /version reports as gitVersion
    tls_names: tuple[str, ...] | None = None  # serve HTTPS with a certificate naming only these
    identities: list[str] = field(default_factory=list)  # "admin" / "readonly" per request
    _ca_pem: bytes = b""
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    _tls_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls_names else 'http'}://{self.address}:{self.port}"

    def write_kubeconfig(
        self,
        path: Path,
        *,
        server: str | None = None,
        token: str = TOKEN,
        tls_server_name: str | None = None,
    ) -> Path:
        import base64

        cluster: dict[str, Any] = {"server": server or self.url}
        if self.tls_names:
            cluster["certificate-authority-data"] = base64.b64encode(self._ca_pem).decode()
        if tls_server_name:
            cluster["tls-server-name"] = tls_server_name
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "admin@test",
            "clusters": [{"name": "test", "cluster": cluster}],
            "users": [{"name": "admin", "user": {"token": token}}],
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

    def app(self) -> FastAPI:  # noqa: PLR0915 - one flat table of the routes the fake serves
        api = FastAPI()

        @api.middleware("http")
        async def auth(request: Request, call_next: Any) -> Any:
            self.requests.append(
                (
                    request.method,
                    str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
                )
            )
            given = request.headers.get("authorization")
            if given == f"Bearer {READONLY_TOKEN}":
                self.identities.append("readonly")
                if request.method not in ("GET", "HEAD"):
                    return _status(403, "Forbidden", f"{request.method} is forbidden for wastectl-health")
                return await call_next(request)
            if given != f"Bearer {TOKEN}":
                return _status(401, "Unauthorized", "Unauthorized")
            self.identities.append("admin")
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

        @api.get("/version")
        def version() -> dict[str, str]:
            major, minor = self.version.lstrip("v").split(".")[:2]
            return {"major": major, "minor": minor, "gitVersion": self.version, "platform": "linux/amd64"}

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
            grace = self.evict_grace.get(name)
            if grace is None:
                self.objects["pods"].remove(pod)
            else:  # like a real kubelet: the pod terminates gracefully, then disappears
                pod["metadata"]["deletionTimestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                timer = threading.Timer(
                    grace, lambda: pod in self.objects["pods"] and self.objects["pods"].remove(pod)
                )
                timer.daemon = True
                timer.start()
            return JSONResponse({"kind": "Status", "status": "Success"}, status_code=201)

        return api

    def start(self) -> FakeKube:
        tls: dict[str, Any] = {}
        if self.tls_names:
            import tempfile

            self._tls_dir = Path(tempfile.mkdtemp(prefix="fakekube-tls-"))
            cert, key, self._ca_pem = make_tls(self._tls_dir, self.tls_names)
            tls = {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
        config = uvicorn.Config(
            self.app(), host=self.address, port=self.port, log_level="warning", lifespan="off", **tls
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
        if self._tls_dir is not None:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
            self._tls_dir = None


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
                    "nodeInfo": {
                        "kubeletVersion": "v1.28.4",
                        "containerRuntimeVersion": "containerd://1.7.2",
                    },
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
        "daemonsets",
        {
            "metadata": {"name": "kube-proxy", "namespace": "kube-system"},
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
