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
controller loop plays one (fakecontrollers.py).
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from fastapi import FastAPI

from tests.wastectl.deploy.fakecontrollers import Controllers
from tests.wastectl.deploy.fakeroutes import TOKEN
from tests.wastectl.deploy.fakestore import Store
from tests.wastectl.deploy.faketls import ServerCerts


@dataclass
class FakeCluster(Controllers):
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
