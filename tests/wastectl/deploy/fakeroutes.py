"""HTTP routes of the fake API server: discovery, OpenAPI v3 index, CRUD, apply, watch, pod logs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import yaml
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from tests.wastectl.deploy.fakeproto import decode_secret
from tests.wastectl.deploy.fakestore import RESOURCES, ApiError, Resource, matches, merge, status_body

if TYPE_CHECKING:
    from tests.wastectl.deploy.fakecluster import FakeCluster

TOKEN = "fake-admin-token"
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


def _error(exc: ApiError) -> JSONResponse:
    return JSONResponse(status_body(exc.code, exc.reason, exc.message), status_code=exc.code)


def _parse(parts: list[str]) -> tuple[Resource, str | None, str | None, str | None] | None:
    """(resource, namespace, name, subresource) of a resource URL, None when it is not one."""
    if parts[:2] == ["api", "v1"]:
        group_version, rest = "v1", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group_version, rest = f"{parts[1]}/{parts[2]}", parts[3:]
    else:
        return None
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    if not rest or rest[0] not in RESOURCES or RESOURCES[rest[0]].group_version != group_version:
        return None
    res = RESOURCES[rest[0]]
    return res, namespace, rest[1] if len(rest) > 1 else None, rest[2] if len(rest) > 2 else None


def build_app(kube: FakeCluster) -> FastAPI:  # noqa: PLR0915 - one route table
    api = FastAPI()
    store = kube.store

    @api.middleware("http")
    async def auth(request: Request, call_next: Any) -> Any:
        query = f"?{request.url.query}" if request.url.query else ""
        kube.requests.append((request.method, request.url.path + query))
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse(status_body(401, "Unauthorized", "Unauthorized"), status_code=401)
        return await call_next(request)

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

    @api.get("/api/v1/namespaces/{namespace}/pods/{name}/log")
    async def pod_log(namespace: str, name: str, request: Request) -> Any:
        params = request.query_params
        with store.lock:
            if store.get("pods", namespace, name) is None:
                return _error(ApiError(404, "NotFound", f'pods "{name}" not found'))
        since = int(params.get("sinceSeconds") or 0)
        tail = int(params["tailLines"]) if params.get("tailLines") else None
        stamps = params.get("timestamps") == "true"

        def lines_from(start: int) -> list[tuple[datetime, str]]:
            with store.lock:
                return list(kube.logs.get((namespace, name), []))[start:]

        lines = lines_from(0)
        if since:
            cutoff = datetime.now(UTC) - timedelta(seconds=since)
            lines = [line for line in lines if line[0] >= cutoff]
        skipped = len(lines_from(0)) - len(lines)
        if tail is not None:
            skipped += max(0, len(lines) - tail)
            lines = lines[-tail:] if tail else []

        def render(items: list[tuple[datetime, str]]) -> bytes:
            return "".join(
                (f"{at.strftime('%Y-%m-%dT%H:%M:%S.%f')}000Z {text}\n" if stamps else f"{text}\n")
                for at, text in items
            ).encode()

        if params.get("follow") != "true":
            return Response(render(lines), media_type="text/plain")

        async def stream() -> AsyncIterator[bytes]:
            yield render(lines)
            seen = skipped + len(lines)
            while not store.closed:
                await asyncio.sleep(0.05)
                fresh = lines_from(seen)
                if fresh:
                    seen += len(fresh)
                    yield render(fresh)
                with store.lock:
                    if store.get("pods", namespace, name) is None:
                        return

        return StreamingResponse(stream(), media_type="text/plain")

    @api.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def resources(path: str, request: Request) -> Any:
        parsed = _parse(path.strip("/").split("/"))
        if parsed is None:
            return JSONResponse(
                status_body(404, "NotFound", "the server could not find the requested resource"),
                status_code=404,
            )
        res, namespace, name, sub = parsed
        body_bytes = await request.body()
        try:
            return await _dispatch(kube, request, res, namespace, name, sub, body_bytes)
        except ApiError as exc:
            return _error(exc)

    return api


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


async def _dispatch(  # noqa: PLR0917
    kube: FakeCluster,
    request: Request,
    res: Resource,
    namespace: str | None,
    name: str | None,
    sub: str | None,
    raw: bytes,
) -> Any:
    store = kube.store
    method = request.method
    params = request.query_params
    if res.plural == "namespaces" and namespace is None and name:
        namespace = None
    if method == "GET" and name is None:
        if params.get("watch") in ("true", "1"):
            return StreamingResponse(_watch(kube, res, namespace, params), media_type="application/json")
        with store.lock:
            items = [
                store.public(o)
                for o in store.list(res.plural, namespace)
                if matches(o, params.get("labelSelector"), params.get("fieldSelector"))
            ]
            revision = store.revision
        return {
            "kind": f"{res.kind}List",
            "apiVersion": res.group_version,
            "metadata": {"resourceVersion": str(revision)},
            "items": items,
        }
    if method == "POST" and name is None:
        body = _load(raw, request.headers.get("content-type", ""))
        return JSONResponse(store.public(store.create(res, namespace, body)), status_code=201)
    if name is None:
        raise ApiError(405, "MethodNotAllowed", f"{method} is not allowed on a collection")
    with store.lock:
        current = store.get(res.plural, namespace, name)
        if method == "GET":
            if current is None:
                raise ApiError(
                    404, "NotFound", f'{res.plural}{"." + res.group if res.group else ""} "{name}" not found'
                )
            return store.public(current)
        if method == "DELETE":
            return store.public(store.delete(res.plural, namespace, name))
        body = _load(raw, request.headers.get("content-type", ""))
        if method == "PUT":
            if sub == "status" and current is not None:
                store.set_status(res.plural, namespace or "", name, body.get("status") or {})
                return store.public(current)
            return store.public(store.replace(res, namespace, name, body))
        kind = request.headers.get("content-type", "").split(";")[0]
        if kind == "application/apply-patch+yaml":
            body.setdefault("metadata", {})["name"] = name
            if current is None:
                return JSONResponse(store.public(store.create(res, namespace, body)), status_code=201)
            body["metadata"].pop("resourceVersion", None)
            return store.public(store.replace(res, namespace, name, body))
        if current is None:
            raise ApiError(404, "NotFound", f'{res.plural} "{name}" not found')
        if kind == "application/json-patch+json":
            patched = _json_patch(store.public(current), body)
        elif kind in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
            patched = merge(store.public(current), body)
        else:
            raise ApiError(
                415, "UnsupportedMediaType", f"the body of the request was in an unknown format: {kind}"
            )
        patched["metadata"].pop("resourceVersion", None)
        if sub == "status":
            store.set_status(res.plural, namespace or "", name, patched.get("status") or {})
            return store.public(current)
        return store.public(store.replace(res, namespace, name, patched))


def _load(raw: bytes, content_type: str) -> Any:
    if not raw:
        return {}
    if "protobuf" in content_type:
        try:
            return decode_secret(raw)
        except (ValueError, IndexError) as exc:
            raise ApiError(415, "UnsupportedMediaType", str(exc)) from None
    if "cbor" in content_type:
        raise ApiError(
            415, "UnsupportedMediaType", f"the body of the request was in an unknown format: {content_type}"
        )
    try:
        data = yaml.safe_load(raw) if "yaml" in content_type else json.loads(raw)
    except (ValueError, yaml.YAMLError) as exc:
        raise ApiError(
            400, "BadRequest", f"cannot decode the body ({content_type}): {exc} {raw[:40]!r}"
        ) from None
    return data if data is not None else {}


def _json_patch(obj: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    for op in ops:
        *parents, leaf = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        target: Any = obj
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
        if op["op"] == "remove":
            if isinstance(target, list):
                target.pop(int(leaf))
            else:
                target.pop(leaf, None)
        elif op["op"] in ("add", "replace"):
            if isinstance(target, list):
                target.insert(len(target) if leaf == "-" else int(leaf), op["value"])
            else:
                target[leaf] = op["value"]
    return obj


async def _watch(
    kube: FakeCluster, res: Resource, namespace: str | None, params: Any
) -> AsyncIterator[bytes]:
    store = kube.store
    labels, fields = params.get("labelSelector"), params.get("fieldSelector")
    timeout = float(params.get("timeoutSeconds") or 300)
    with store.lock:
        since = int(params.get("resourceVersion") or 0)
        if params.get("sendInitialEvents") == "true" or since == 0:
            current = [
                store.public(o) for o in store.list(res.plural, namespace) if matches(o, labels, fields)
            ]
            since = store.revision
        else:
            current = []
    for obj in current:
        yield (json.dumps({"type": "ADDED", "object": obj}) + "\n").encode()
    if params.get("sendInitialEvents") == "true":
        bookmark = {
            "kind": res.kind,
            "apiVersion": res.group_version,
            "metadata": {"resourceVersion": str(since), "annotations": {"k8s.io/initial-events-end": "true"}},
        }
        yield (json.dumps({"type": "BOOKMARK", "object": bookmark}) + "\n").encode()
    deadline = asyncio.get_running_loop().time() + timeout
    while not store.closed and asyncio.get_running_loop().time() < deadline:
        with store.lock:
            fresh = [e for e in store.events[-2000:] if e[0] > since and e[2] == res.plural]
            since = max(since, store.events[-1][0] if store.events else since)
        for _, kind, _, obj in fresh:
            if (namespace is None or obj["metadata"].get("namespace") == namespace) and matches(
                obj, labels, fields
            ):
                yield (json.dumps({"type": kind, "object": obj}) + "\n").encode()
        await asyncio.sleep(0.05)
