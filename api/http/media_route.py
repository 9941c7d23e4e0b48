"""One path and method, several FastAPI endpoints: one per request media type.

`POST /scans` takes JSON (an upload key) or a multipart form (the image itself). FastAPI parses
a body for one declared shape per endpoint, so each shape gets its own endpoint, routed by the
request's `Content-Type`: Starlette's router tries routes in order and lets the next one try when
a route answers `Match.NONE`, which a `MediaTypeRoute` does for a media type it does not take.
(A request of another method still gets the partial match, and so 405 with `Allow`.)

A route class also names the `code` of its validation failures (`validation_code`, read by the
422 handler in `api.errors`) and is how `merge_media_type_operations` finds the endpoints that
share an operation: FastAPI's `get_openapi` keeps only the last operation of a path and method,
so the app's OpenAPI step puts the request bodies of the others back, each as FastAPI generated
it for its own endpoint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.datastructures import Headers
from starlette.routing import Match
from starlette.types import Scope

Loc = tuple[str | int, ...]


def request_media_type(scope: Scope) -> str:
    """`multipart/form-data` of `multipart/form-data; boundary=x`, lower case; "" when absent."""
    content_type = Headers(scope=scope).get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower()


class MediaTypeRoute(APIRoute):
    """An APIRoute that matches only requests whose `Content-Type` is one of `media_types`.

    Subclass it per endpoint with the two class attributes. `validation_codes` maps a location
    prefix of FastAPI's validation errors (`("body", "lat")`) to the `code` of the 422.
    """

    media_types: ClassVar[frozenset[str]] = frozenset()
    validation_codes: ClassVar[Mapping[Loc, str]] = {}

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is Match.FULL and request_media_type(scope) not in self.media_types:
            return Match.NONE, {}
        return match, child_scope

    def validation_code(self, loc: Sequence[str | int]) -> str | None:
        """The code of the longest prefix of `loc` in `validation_codes`, or None."""
        for end in range(len(loc), -1, -1):
            code = self.validation_codes.get(tuple(loc[:end]))
            if code is not None:
                return code
        return None


def _alternatives(app: FastAPI) -> dict[tuple[str, str], list[RouteContext]]:
    """The documented MediaTypeRoutes, grouped by path and method, in the order they were added."""
    groups: dict[tuple[str, str], list[RouteContext]] = defaultdict(list)
    for context in iter_route_contexts(app.routes):
        path = context.path_format
        if isinstance(context.original_route, MediaTypeRoute) and context.include_in_schema and path:
            for method in sorted(context.methods or ()):
                groups[path, method.lower()].append(context)
    return {key: contexts for key, contexts in groups.items() if len(contexts) > 1}


def _alone(app: FastAPI, context: RouteContext) -> dict[str, Any]:
    """FastAPI's schema of an app that has only this route."""
    return get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        routes=[context],
        separate_input_output_schemas=app.separate_input_output_schemas,
    )


def merge_media_type_operations(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """One operation per path and method: the first endpoint's, with the request bodies of all.

    Each endpoint's operation is generated alone; the components it refers to are the app's (the
    full schema has every route's models), and a model named alike but generated differently
    would be a name clash this cannot resolve, so it raises instead of documenting the wrong one.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for (path, method), contexts in _alternatives(app).items():
        operations = []
        for context in contexts:
            alone = _alone(app, context)
            for name, definition in alone.get("components", {}).get("schemas", {}).items():
                if components.setdefault(name, definition) != definition:
                    raise RuntimeError(f"two different OpenAPI schemas are named {name!r}")
            operations.append(alone["paths"][path][method])
        merged = operations[0]
        bodies = [operation["requestBody"] for operation in operations]
        merged["requestBody"] = {
            "required": all(body.get("required", False) for body in bodies),
            "content": {media: item for body in bodies for media, item in body["content"].items()},
        }
        schema["paths"][path][method] = merged
    return schema
