"""The object store behind the fake API server: resource types, server-filled metadata, an event log
for watches, selectors. One lock guards everything (handlers and the controller loop share it).
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def discovery(self) -> dict[str, Any]:
        verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
        return {
            "name": self.plural,
            "singularName": self.kind.lower(),
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": verbs,
        }


_TYPES = [
    Resource("", "v1", "Namespace", "namespaces", namespaced=False),
    Resource("", "v1", "Node", "nodes", namespaced=False),
    Resource("", "v1", "Pod", "pods"),
    Resource("", "v1", "Service", "services"),
    Resource("", "v1", "Secret", "secrets"),
    Resource("", "v1", "ConfigMap", "configmaps"),
    Resource("", "v1", "ServiceAccount", "serviceaccounts"),
    Resource("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims"),
    Resource("", "v1", "Event", "events"),
    Resource("apps", "v1", "Deployment", "deployments"),
    Resource("apps", "v1", "StatefulSet", "statefulsets"),
    Resource("apps", "v1", "ReplicaSet", "replicasets"),
    Resource("batch", "v1", "Job", "jobs"),
    Resource("batch", "v1", "CronJob", "cronjobs"),
    Resource("networking.k8s.io", "v1", "Ingress", "ingresses"),
    Resource("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies"),
    Resource("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets"),
    Resource("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
    Resource("rbac.authorization.k8s.io", "v1", "Role", "roles"),
    Resource("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"),
    Resource("monitoring.coreos.com", "v1", "ServiceMonitor", "servicemonitors"),
    Resource("monitoring.coreos.com", "v1", "PrometheusRule", "prometheusrules"),
]
RESOURCES: dict[str, Resource] = {r.plural: r for r in _TYPES}


def status_body(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


def _dig(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def matches(obj: dict[str, Any], labels: str | None, fields: str | None) -> bool:
    """Equality, inequality, `in (...)` and existence label selectors; equality field selectors."""
    have = obj.get("metadata", {}).get("labels") or {}
    for raw in _split_selector(labels or ""):
        clause = raw.strip()
        if " in " in clause or " notin " in clause:
            key, op, rest = clause.split(None, 2)
            values = {v.strip() for v in rest.strip("()").split(",")}
            if (have.get(key) in values) != (op == "in"):
                return False
        elif "!=" in clause:
            key, _, value = clause.partition("!=")
            if have.get(key) == value:
                return False
        elif "=" in clause:
            key, _, value = clause.replace("==", "=").partition("=")
            if have.get(key) != value:
                return False
        elif clause.startswith("!"):
            if clause[1:] in have:
                return False
        elif clause and clause not in have:
            return False
    for clause in (fields or "").split(","):
        if not clause:
            continue
        negate = "!=" in clause
        key, _, value = clause.replace("!=", "=").replace("==", "=").partition("=")
        if (str(_dig(obj, key)) == value) == negate:
            return False
    return True


def _split_selector(selector: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current] if current else parts


def merge(base: Any, patch: Any) -> Any:
    """JSON merge patch (RFC 7386); strategic-merge directives are not interpreted."""
    if not isinstance(patch, dict) or not isinstance(base, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


@dataclass
class Store:
    lock: threading.RLock = field(default_factory=threading.RLock)
    objects: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    events: list[tuple[int, str, str, dict[str, Any]]] = field(default_factory=list)
    revision: int = 100
    closed: bool = False

    def _bump(self, kind: str, plural: str, obj: dict[str, Any]) -> None:
        self.revision += 1
        obj["metadata"]["resourceVersion"] = str(self.revision)
        self.events.append((self.revision, kind, plural, self.public(obj)))

    @staticmethod
    def public(obj: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(obj)
        out["metadata"].pop("_created", None)
        return out

    def list(self, plural: str, namespace: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [
                o
                for (p, ns, _), o in sorted(self.objects.items())
                if p == plural and (namespace is None or ns == namespace)
            ]

    def get(self, plural: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        return self.objects.get((plural, namespace or "", name))

    def create(self, res: Resource, namespace: str | None, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            meta = body.setdefault("metadata", {})
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
            name = meta.get("name")
            if not name:
                raise ApiError(422, "Invalid", f"{res.kind} is invalid: metadata.name: Required value")
            ns = (namespace or meta.get("namespace") or "default") if res.namespaced else ""
            if res.namespaced and res.plural != "events" and ("namespaces", "", ns) not in self.objects:
                raise ApiError(404, "NotFound", f'namespaces "{ns}" not found')
            key = (res.plural, ns, name)
            if key in self.objects:
                raise ApiError(409, "AlreadyExists", f'{res.plural} "{name}" already exists')
            obj = copy.deepcopy(body)
            obj["apiVersion"], obj["kind"] = res.group_version, res.kind
            meta = obj["metadata"]
            if res.namespaced:
                meta["namespace"] = ns
            meta.update(
                uid=str(uuid.uuid4()),
                creationTimestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                generation=1,
                _created=time.time(),
            )
            meta.pop("managedFields", None)
            if res.plural == "services":
                obj.setdefault("spec", {}).setdefault(
                    "clusterIP", "10.96.0." + str(len(self.objects) % 250 + 2)
                )
            if res.plural == "namespaces":
                obj["status"] = {"phase": "Active"}
            self.objects[key] = obj
            self._bump("ADDED", res.plural, obj)
            return obj

    def replace(
        self, res: Resource, namespace: str | None, name: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """PUT (and server-side apply by the only field manager): the body wins, server fields stay."""
        with self.lock:
            key = (res.plural, namespace or "" if res.namespaced else "", name)
            current = self.objects.get(key)
            if current is None:
                raise ApiError(404, "NotFound", f'{res.plural} "{name}" not found')
            wanted_rv = (body.get("metadata") or {}).get("resourceVersion")
            if wanted_rv and wanted_rv != current["metadata"]["resourceVersion"]:
                raise ApiError(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on {res.plural} "{name}": '
                    "the object has been modified; please apply your changes to the latest version",
                )
            obj = copy.deepcopy(body)
            obj["apiVersion"], obj["kind"] = res.group_version, res.kind
            meta = obj.setdefault("metadata", {})
            for server_field in ("uid", "creationTimestamp", "namespace", "_created", "ownerReferences"):
                if (server_field in current["metadata"] and server_field not in meta) or server_field in (
                    "uid",
                    "_created",
                ):
                    meta[server_field] = current["metadata"][server_field]
            meta.pop("managedFields", None)
            changed = json.dumps(obj.get("spec"), sort_keys=True) != json.dumps(
                current.get("spec"), sort_keys=True
            )
            meta["generation"] = current["metadata"].get("generation", 1) + (1 if changed else 0)
            if "status" in current and res.plural not in ("secrets", "configmaps"):
                obj["status"] = current["status"]
            if res.plural == "services" and "clusterIP" in current.get("spec", {}):
                obj.setdefault("spec", {}).setdefault("clusterIP", current["spec"]["clusterIP"])
            self.objects[key] = obj
            self._bump("MODIFIED", res.plural, obj)
            return obj

    def set_status(self, plural: str, namespace: str, name: str, status: dict[str, Any]) -> None:
        with self.lock:
            obj = self.objects.get((plural, namespace, name))
            if obj is not None:
                obj["status"] = status
                self._bump("MODIFIED", plural, obj)

    def delete(self, plural: str, namespace: str | None, name: str) -> dict[str, Any]:
        with self.lock:
            obj = self.objects.pop((plural, namespace or "", name), None)
            if obj is None:
                raise ApiError(404, "NotFound", f'{plural} "{name}" not found')
            self._bump("DELETED", plural, obj)
            if plural in ("deployments", "jobs"):
                uid = obj["metadata"]["uid"]
                for pod in self.list("pods", namespace):
                    if any(o.get("uid") == uid for o in pod["metadata"].get("ownerReferences") or []):
                        self.delete("pods", namespace, pod["metadata"]["name"])
            return obj
