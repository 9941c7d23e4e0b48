"""`/` (the page), `/assets/{name}` (its files) and `/web/config` (what the page may offer)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Header, Path, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import SettingsDep
from api.errors import ApiError
from api.settings import OAuthProvider
from api.uploads.images import ALLOWED_CONTENT_TYPES
from api.web.policy import web_headers

router = APIRouter(include_in_schema=False)

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


@cache
def _assets() -> dict[str, Asset]:
    """Every file of `api/web/static`, read once; nothing outside that folder can be named."""
    found: dict[str, Asset] = {}
    for entry in resources.files("api.web").joinpath("static").iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in _TYPES:
            body = entry.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            found[entry.name] = Asset(body=body, media_type=_TYPES[suffix], etag=etag)
    return found


def _serve(name: str, settings: SettingsDep, if_none_match: str | None, cache_control: str) -> Response:
    asset = _assets().get(name)
    if asset is None:
        raise ApiError(404, f"no web asset named {name!r}", code="not_found")
    headers = {**web_headers(settings), "ETag": asset.etag, "Cache-Control": cache_control}
    if if_none_match == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


IfNoneMatch = Annotated[str | None, Header()]


@router.get("/")
def index(settings: SettingsDep, if_none_match: IfNoneMatch = None) -> Response:
    # Revalidated every time: a new release's page must not be mixed with old cached scripts.
    return _serve("index.html", settings, if_none_match, "no-cache")


@router.get("/assets/{name}")
def asset(
    name: Annotated[str, Path(max_length=60, pattern=r"^[a-z0-9-]+\.[a-z]+$")],
    settings: SettingsDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return _serve(name, settings, if_none_match, "no-cache")


class MapConfig(BaseModel):
    tile_url: str
    attribution: str


class WebConfig(BaseModel):
    dev_login: bool
    providers: list[str]
    upload_types: list[str]
    upload_max_bytes: int
    note_max_chars: int
    map: MapConfig | None


@router.get("/web/config")
def web_config(settings: SettingsDep) -> JSONResponse:
    """What this server offers the page: the dev login (when enabled), providers, map tiles."""
    providers = [name.value for name in OAuthProvider if settings.oauth_client(name).client_id]
    tiles = settings.web_map_tile_url
    config = WebConfig(
        dev_login=settings.dev_login_enabled,
        providers=providers,
        upload_types=sorted(ALLOWED_CONTENT_TYPES),
        upload_max_bytes=settings.upload_max_bytes,
        note_max_chars=settings.scan_note_max_chars,
        map=MapConfig(tile_url=tiles, attribution=settings.web_map_attribution) if tiles else None,
    )
    return JSONResponse(config.model_dump(), headers={"Cache-Control": "no-store"})
