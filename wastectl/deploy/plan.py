"""`deploy --plan`: what an upgrade would change, per resource, against the live cluster.

The chart is rendered by the Helm SDK (cluster-aware, so `lookup` sees live objects); each rendered
object is compared with the live one on the fields the chart sets (what server-side apply would
change); fields the previous revision set and the new one drops are removals; objects of the live
release that the new render no longer has are removed resources. Nothing is written.
"""

from __future__ import annotations

from typing import Any

from wastectl.deploy.model import ChangeKind, FieldChange, ResourceChange
from wastectl.kube.client import KubeClient, KubeError

_IGNORED = ("status", "metadata.managedFields", "metadata.resourceVersion", "metadata.uid")
_CORE_GROUPS = {"v1"}


def split_manifests(rendered: str) -> list[dict[str, Any]]:
    import yaml

    return [doc for doc in yaml.safe_load_all(rendered) if isinstance(doc, dict) and doc.get("kind")]


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


class Discovery:
    """Kind -> (plural, namespaced) for each apiVersion, from the API server's discovery documents."""

    def __init__(self, kube: KubeClient) -> None:
        self.kube = kube
        self._cache: dict[str, dict[str, tuple[str, bool]]] = {}

    def lookup(self, api_version: str, kind: str) -> tuple[str, bool] | None:
        if api_version not in self._cache:
            path = "/api/v1" if api_version in _CORE_GROUPS else f"/apis/{api_version}"
            try:
                listing = self.kube.get(path)
            except KubeError as exc:
                if exc.status == 404:
                    listing = {}
                else:
                    raise
            self._cache[api_version] = {
                r["kind"]: (r["name"], bool(r.get("namespaced")))
                for r in listing.get("resources") or []
                if "/" not in r.get("name", "")
            }
        return self._cache[api_version].get(kind)

    def path(self, obj: dict[str, Any], namespace: str) -> str | None:
        found = self.lookup(str(obj.get("apiVersion")), str(obj.get("kind")))
        if found is None:
            return None
        plural, namespaced = found
        api_version = str(obj["apiVersion"])
        base = "/api/v1" if api_version in _CORE_GROUPS else f"/apis/{api_version}"
        scope = f"/namespaces/{obj.get('metadata', {}).get('namespace') or namespace}" if namespaced else ""
        return f"{base}{scope}/{plural}/{obj['metadata']['name']}"


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    return str(obj.get("kind")), str((obj.get("metadata") or {}).get("name"))


def _is_hook(obj: dict[str, Any]) -> bool:
    return "helm.sh/hook" in ((obj.get("metadata") or {}).get("annotations") or {})


def _relevant(path: str) -> bool:
    return not any(path == p or path.startswith(p + ".") or path.startswith(p + "[") for p in _IGNORED)


def compare(
    desired: list[dict[str, Any]],
    previous: list[dict[str, Any]],
    kube: KubeClient,
    namespace: str,
) -> list[ResourceChange]:
    discovery = Discovery(kube)
    before = {_key(o): o for o in previous}
    changes: list[ResourceChange] = []
    for obj in desired:
        kind, name = _key(obj)
        hook = _is_hook(obj)
        path = discovery.path(obj, namespace)
        live = None
        if path is not None:
            try:
                live = kube.get(path)
            except KubeError as exc:
                if exc.status != 404:
                    raise
        ns = (obj.get("metadata") or {}).get("namespace") or namespace
        if not isinstance(live, dict) or not live:
            changes.append(ResourceChange(ChangeKind.add, kind, name, ns, hook))
            continue
        want = {p: v for p, v in flatten(obj).items() if _relevant(p)}
        have = flatten(live)
        fields = [FieldChange(p, have.get(p), v) for p, v in sorted(want.items()) if have.get(p) != v]
        old = before.get((kind, name))
        if old is not None:
            dropped = set(flatten(old)) - set(want)
            fields += [
                FieldChange(p, have.get(p), None) for p in sorted(dropped) if _relevant(p) and p in have
            ]
        changes.append(
            ResourceChange(
                ChangeKind.change if fields else ChangeKind.unchanged, kind, name, ns, hook, fields
            )
        )
    wanted = {_key(o) for o in desired}
    for obj in previous:
        if _key(obj) not in wanted and not _is_hook(obj):
            kind, name = _key(obj)
            ns = (obj.get("metadata") or {}).get("namespace") or namespace
            changes.append(ResourceChange(ChangeKind.remove, kind, name, ns))
    return changes
