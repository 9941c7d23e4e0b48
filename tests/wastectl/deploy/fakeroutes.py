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

from tests.wastectl.deploy.fakediscovery import add_discovery_routes
from tests.wastectl.deploy.fakeproto import decode_secret
from tests.wastectl.deploy.fakestore import RESOURCES, ApiError, Resource, matches, merge, status_body

if TYPE_CHECKING:
    from tests.wastectl.deploy.fakecluster import FakeCluster

TOKEN = "fake-admin-token"


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


def build_app(kube: FakeCluster) -> FastAPI:
    api = FastAPI()
    store = kube.store

    @api.middleware("http")
    async def auth(request: Request, call_next: Any) -> Any:
        query = f"?{request.url.query}" if request.url.query else ""
        kube.requests.append((request.method, request.url.path + query))
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse(status_body(401, "Unauthorized", "Unauthorized"), status_code=401)
        return await call_next(request)

    add_discovery_routes(api, kube)

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
