"""Kakao Local REST client (keyword and category search) with an optional Redis response cache.

Protocol (developers.kakao.com, docs/locations.md): `GET /v2/local/search/{keyword,category}.json`,
header `Authorization: KakaoAK <REST key>`, `x` = longitude, `y` = latitude (strings in responses),
`radius` <= 20000 m, `page` 1..45, `size` 1..15. Errors: 401/403 `{"errorType", "message"}`, or the
common `{"code": -N, "msg"}` shape (-10 = quota exceeded). Every failure becomes `KakaoError`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from redis import Redis

    from api.settings import Settings

log = logging.getLogger(__name__)

MAX_PAGE = 45
MAX_SIZE = 15
MAX_RADIUS_M = 20000


class KakaoError(Exception):
    """Kakao refused or failed: `kind` is auth, quota, bad_request, unavailable or protocol."""

    def __init__(self, kind: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"kakao {kind}: {message}")
        self.kind = kind
        self.status = status


@dataclass(frozen=True)
class KakaoPlace:
    id: str
    name: str
    category_name: str
    category_group_code: str
    phone: str
    address: str
    road_address: str
    lat: float
    lng: float
    place_url: str


@dataclass(frozen=True)
class KakaoRegion:
    """`coord2regioncode`: the 법정동 (type B) region of a point: 시도, 시군구 and the 10-digit code."""

    sido: str
    sigungu: str
    dong: str
    code: str


@dataclass(frozen=True)
class KakaoPage:
    places: list[KakaoPlace]
    is_end: bool
    total_count: int


def _place(doc: dict[str, Any]) -> KakaoPlace:
    return KakaoPlace(
        id=str(doc["id"]),
        name=str(doc.get("place_name", "")),
        category_name=str(doc.get("category_name", "")),
        category_group_code=str(doc.get("category_group_code", "")),
        phone=str(doc.get("phone", "")),
        address=str(doc.get("address_name", "")),
        road_address=str(doc.get("road_address_name", "")),
        lat=float(doc["y"]),
        lng=float(doc["x"]),
        place_url=str(doc.get("place_url", "")),
    )


def _error_from(response: httpx.Response) -> KakaoError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    message = str(body.get("message") or body.get("msg") or response.reason_phrase or "error")
    code = body.get("code")
    if code == -10 or response.status_code == 429:
        return KakaoError("quota", message, status=response.status_code)
    if response.status_code in (401, 403) or "errorType" in body or code in (-3, -5, -401):
        return KakaoError("auth", f"{body.get('errorType', code)}: {message}", status=response.status_code)
    if response.status_code >= 500 or code == -1:
        return KakaoError("unavailable", message, status=response.status_code)
    return KakaoError("bad_request", message, status=response.status_code)


class KakaoLocalClient:
    def __init__(
        self, *, base_url: str, api_key: str, timeout: float = 5.0, cache: Redis | None = None,
        cache_prefix: str = "waste:", cache_ttl: int = 3600, transport: httpx.BaseTransport | None = None,
    ) -> None:  # fmt: skip
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"KakaoAK {api_key}"},
            timeout=timeout,
            transport=transport,
        )
        self._cache = cache
        self._cache_prefix = f"{cache_prefix}locations:kakao:"
        self._cache_ttl = cache_ttl

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KakaoLocalClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def keyword(
        self, query: str, *, lat: float | None = None, lng: float | None = None, radius_m: int | None = None,
        page: int = 1, size: int = MAX_SIZE, sort: str = "accuracy", category_group_code: str | None = None,
    ) -> KakaoPage:  # fmt: skip
        params: dict[str, Any] = {"query": query}
        if category_group_code:
            params["category_group_code"] = category_group_code
        return self._search(
            "keyword", params, lat=lat, lng=lng, radius_m=radius_m, page=page, size=size, sort=sort
        )

    def category(
        self, code: str, *, lat: float, lng: float, radius_m: int, page: int = 1, size: int = MAX_SIZE,
        sort: str = "distance",
    ) -> KakaoPage:  # fmt: skip
        params: dict[str, Any] = {"category_group_code": code}
        return self._search(
            "category", params, lat=lat, lng=lng, radius_m=radius_m, page=page, size=size, sort=sort
        )

    def region(self, *, lat: float, lng: float) -> KakaoRegion | None:
        """Reverse-geocode a point to its 시군구 (`/v2/local/geo/coord2regioncode.json`), cached like
        searches (coordinates rounded to ~10 m so nearby scans share the entry). None outside Korea."""
        body = self._get("/v2/local/geo/coord2regioncode.json", {"x": f"{lng:.4f}", "y": f"{lat:.4f}"})
        try:
            documents = body["documents"]
            fallback = documents[0] if documents else None
            doc = next((d for d in documents if d.get("region_type") == "B"), fallback)
            if doc is None:
                return None
            return KakaoRegion(
                sido=str(doc["region_1depth_name"]), sigungu=str(doc["region_2depth_name"]),
                dong=str(doc.get("region_3depth_name") or ""), code=str(doc.get("code") or ""),
            )  # fmt: skip
        except (AttributeError, KeyError, TypeError, IndexError) as exc:
            raise KakaoError("protocol", f"unexpected coord2regioncode shape ({exc!r})") from None

    def collect(self, fetch: Callable[[int], KakaoPage], *, max_results: int) -> list[KakaoPlace]:
        """Follow pages (`fetch(page)`) until `is_end`, page 45, or `max_results` places."""
        places: list[KakaoPlace] = []
        for page in range(1, MAX_PAGE + 1):
            result = fetch(page)
            places.extend(result.places)
            if result.is_end or len(places) >= max_results or not result.places:
                break
        return places[:max_results]

    def _search(
        self, kind: str, params: dict[str, Any], *, lat: float | None, lng: float | None,
        radius_m: int | None, page: int, size: int, sort: str,
    ) -> KakaoPage:  # fmt: skip
        if not 1 <= page <= MAX_PAGE or not 1 <= size <= MAX_SIZE:
            raise ValueError(f"Kakao allows page 1..{MAX_PAGE} and size 1..{MAX_SIZE}")
        params.update(page=page, size=size, sort=sort)
        if lat is not None and lng is not None:
            params.update(x=f"{lng:.6f}", y=f"{lat:.6f}")
            if radius_m is not None:
                params["radius"] = min(int(radius_m), MAX_RADIUS_M)
        body = self._get(f"/v2/local/search/{kind}.json", params)
        try:
            meta = body["meta"]
            return KakaoPage(
                places=[_place(doc) for doc in body["documents"]],
                is_end=bool(meta.get("is_end", True)),
                total_count=int(meta.get("total_count", 0)),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise KakaoError("protocol", f"unexpected response shape ({exc!r})") from None

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        key = (
            self._cache_prefix
            + hashlib.sha256(
                json.dumps([path, params], sort_keys=True, ensure_ascii=False).encode()
            ).hexdigest()[:32]
        )
        cached = self._cache_get(key)
        if cached is not None:
            return cached
        try:
            response = self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise KakaoError("unavailable", f"{type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise _error_from(response)
        try:
            body = response.json()
        except ValueError:
            raise KakaoError("protocol", "response is not JSON") from None
        if not isinstance(body, dict):
            raise KakaoError("protocol", "response is not a JSON object")
        if isinstance(body.get("code"), int) and body["code"] < 0:  # error shape with HTTP 200
            raise _error_from(response)
        self._cache_set(key, body)
        return body

    def _cache_get(self, key: str) -> dict[str, Any] | None:
        if self._cache is None:
            return None
        from redis import RedisError

        try:
            raw = self._cache.get(key)
        except RedisError as exc:  # a cache outage must not break search
            log.warning("Kakao cache read failed: %s", exc)
            return None
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:  # a corrupt entry is a miss; the fresh response overwrites it
            return None
        return value if isinstance(value, dict) else None

    def _cache_set(self, key: str, body: dict[str, Any]) -> None:
        if self._cache is None:
            return
        from redis import RedisError

        try:
            self._cache.set(key, json.dumps(body, ensure_ascii=False), ex=self._cache_ttl)
        except RedisError as exc:
            log.warning("Kakao cache write failed: %s", exc)


def kakao_client(settings: Settings, redis: Redis | None) -> KakaoLocalClient | None:
    """A client when `WASTE_KAKAO_REST_API_KEY` is set (responses cached in Redis when available)."""
    if settings.kakao_rest_api_key is None:
        return None
    return KakaoLocalClient(
        base_url=settings.kakao_local_base_url, api_key=settings.kakao_rest_api_key.get_secret_value(),
        timeout=settings.kakao_timeout_seconds, cache=redis, cache_prefix=settings.redis_prefix,
        cache_ttl=settings.locations_cache_ttl_seconds,
    )  # fmt: skip
