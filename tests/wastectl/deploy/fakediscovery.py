"""Discovery routes of the fake API server: /version, legacy discovery and the OpenAPI v3 index.

The OpenAPI v3 documents list, per group-version, each kind's `x-kubernetes-group-version-kind` and a
PATCH operation with the `fieldValidation` parameter: client-go then leaves field validation to the
server (as against a 1.27+ API server) instead of downloading OpenAPI v2 to validate on the client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from tests.wastectl.deploy.fakestore import RESOURCES, Resource, status_body

if TYPE_CHECKING:
    from tests.wastectl.deploy.fakecluster import FakeCluster

VERSION = {
    "major": "1",
    "minor": "30",
    "gitVersion": "v1.30.4",
    "gitCommit": "fake",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.22.5",
    "compiler": "gc",
    "platform": "linux/amd64",
}


def _groups() -> dict[str, list[Resource]]:
    out: dict[str, list[Resource]] = {}
    for res in RESOURCES.values():
        out.setdefault(res.group_version, []).append(res)
    return out


def add_discovery_routes(api: FastAPI, kube: FakeCluster) -> None:
    @api.get("/version")
    def version() -> dict[str, str]:
        return VERSION

    @api.get("/api")
    def core() -> dict[str, Any]:
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": kube.url}],
        }

    @api.get("/apis")
    def groups() -> dict[str, Any]:
        items = []
        for gv in sorted(_groups()):
            if "/" in gv:
                group, version = gv.split("/")
                entry = {"groupVersion": gv, "version": version}
                items.append({"name": group, "versions": [entry], "preferredVersion": entry})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": items}

    @api.get("/openapi/v3")
    def openapi_index() -> dict[str, Any]:
        paths = {
            ("api/v1" if gv == "v1" else f"apis/{gv}"): {
                "serverRelativeURL": f"/openapi/v3/{'api/v1' if gv == 'v1' else 'apis/' + gv}?hash=F1"
            }
            for gv in _groups()
        }
        return {"paths": paths}

    @api.get("/openapi/v3/{path:path}")
    def openapi_group(path: str) -> Any:
        gv = "v1" if path == "api/v1" else path.removeprefix("apis/")
        kinds = _groups().get(gv)
        if kinds is None:
            return JSONResponse(status_body(404, "NotFound", "not found"), status_code=404)
        group, _, version = gv.rpartition("/")
        schemas = {
            f"io.k8s.fake.{gv.replace('/', '.')}.{r.kind}": {
                "type": "object",
                "x-kubernetes-group-version-kind": [{"group": group, "version": version, "kind": r.kind}],
            }
            for r in kinds
        }
        paths = {}
        for r in kinds:
            prefix = "/api/v1" if gv == "v1" else f"/apis/{gv}"
            scope = "/namespaces/{namespace}" if r.namespaced else ""
            operation = {
                "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": r.kind},
                "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "OK"}},
            }
            paths[f"{prefix}{scope}/{r.plural}/{{name}}"] = {"patch": operation}
        return {
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": VERSION["gitVersion"]},
            "paths": paths,
            "components": {"schemas": schemas},
        }

    @api.get("/api/v1")
    def core_resources() -> dict[str, Any]:
        return _resource_list("v1")

    @api.get("/apis/{group}/{version}")
    def group_resources(group: str, version: str) -> Any:
        if f"{group}/{version}" not in _groups():
            return JSONResponse(
                status_body(404, "NotFound", "the server could not find the requested resource"),
                status_code=404,
            )
        return _resource_list(f"{group}/{version}")


def _resource_list(gv: str) -> dict[str, Any]:
    resources = []
    for res in _groups()[gv]:
        resources.append(res.discovery())
        if res.plural in ("deployments", "jobs", "pods", "statefulsets"):
            resources.append(
                {
                    "name": f"{res.plural}/status",
                    "singularName": "",
                    "namespaced": True,
                    "kind": res.kind,
                    "verbs": ["get", "patch", "update"],
                }
            )
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}
