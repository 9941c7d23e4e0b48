"""A fake Kakao Local server (pytest-httpserver) speaking the documented protocol.

Keyword and category search over an in-memory place list: `x`/`y`/`radius` filtering,
`sort=distance|accuracy`, `page` (1..45) / `size` (1..15) pagination with `meta.is_end`, and the
error shapes: 401/403 `{"errorType", "message"}`, 400 `{"code": -10, "msg"}` for quota.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


def _distance(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")


@dataclass
class FakeKakao:
    api_key: str
    places: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "ok"  # ok | unauthorized | forbidden | quota | broken | odd
    requests: list[dict[str, str]] = field(default_factory=list)

    def add_place(self, place_id: str, name: str, lat: float, lng: float, *, group: str = "") -> None:
        self.places.append({
            "id": place_id, "place_name": name, "category_name": "사회,공공기관 > 재활용",
            "category_group_code": group, "category_group_name": "", "phone": "02-000-0000",
            "address_name": "서울 중구 태평로1가 31", "road_address_name": "서울 중구 세종대로 110",
            "x": f"{lng:.7f}", "y": f"{lat:.7f}", "place_url": f"http://place.map.kakao.com/{place_id}",
        })  # fmt: skip

    #: (lat, lng, 시도, 시군구, 동, code): coord2regioncode answers the region nearest to the point
    regions: list[tuple[float, float, str, str, str, str]] = field(default_factory=list)

    def add_region(self, lat: float, lng: float, *, sido: str, sigungu: str, dong: str, code: str) -> None:
        self.regions.append((lat, lng, sido, sigungu, dong, code))

    def _region(self, request: Request) -> Response:
        args = dict(request.args.items())
        self.requests.append(args)
        if request.headers.get("Authorization") != f"KakaoAK {self.api_key}" or self.mode == "unauthorized":
            return _json({"errorType": "AccessDeniedError", "message": "wrong appKey(null) format"}, 401)
        if self.mode == "quota":
            return _json({"code": -10, "msg": "API limit has been exceeded."}, 400)
        try:
            x, y = float(args["x"]), float(args["y"])
        except (KeyError, ValueError):
            return _json({"errorType": "MissingParameter", "message": "x, y parameter required"}, 400)
        if not self.regions:
            return _json({"meta": {"total_count": 0}, "documents": []})
        lat, lng, sido, sigungu, dong, code = min(self.regions, key=lambda r: _distance(y, x, r[0], r[1]))
        docs = [
            {"region_type": kind, "code": code if kind == "B" else code[:8] + "00", "address_name":
             f"{sido} {sigungu} {dong}", "region_1depth_name": sido, "region_2depth_name": sigungu,
             "region_3depth_name": dong, "region_4depth_name": "", "x": lng, "y": lat}
            for kind in ("B", "H")
        ]  # fmt: skip
        return _json({"meta": {"total_count": 2}, "documents": docs})

    def install(self, server: HTTPServer) -> None:
        server.expect_request("/v2/local/geo/coord2regioncode.json").respond_with_handler(self._region)
        server.expect_request("/v2/local/search/keyword.json").respond_with_handler(self._keyword)
        server.expect_request("/v2/local/search/category.json").respond_with_handler(self._category)

    def _keyword(self, request: Request) -> Response:
        return self._search(request, lambda p, a: a.get("query", "") in p["place_name"], require="query")

    def _category(self, request: Request) -> Response:
        return self._search(
            request,
            lambda p, a: p["category_group_code"] == a.get("category_group_code"),
            require="category_group_code",
        )

    def _search(self, request: Request, match: Any, *, require: str) -> Response:
        args = dict(request.args.items())
        self.requests.append(args)
        if request.headers.get("Authorization") != f"KakaoAK {self.api_key}" or self.mode == "unauthorized":
            return _json({"errorType": "AccessDeniedError", "message": "wrong appKey(null) format"}, 401)
        if self.mode == "forbidden":
            return _json(
                {"errorType": "AccessDeniedError", "message": "ip mismatched! callerIp=127.0.0.1"}, 403
            )
        if self.mode == "quota":
            return _json({"code": -10, "msg": "API limit has been exceeded."}, 400)
        if self.mode == "broken":
            return Response("<html>gateway</html>", status=200, content_type="text/html")
        if self.mode == "odd":  # JSON, but not the documented shape
            return _json({"meta": [], "documents": [{"id": "1"}]})
        if not args.get(require):
            return _json({"errorType": "MissingParameter", "message": f"{require} parameter required"}, 400)
        page, size = int(args.get("page", 1)), int(args.get("size", 15))
        if not 1 <= page <= 45 or not 1 <= size <= 15:
            return _json({"errorType": "InvalidArgument", "message": "page or size out of range"}, 400)
        found = [dict(p) for p in self.places if match(p, args)]
        if "x" in args and "y" in args:
            x, y = float(args["x"]), float(args["y"])
            for place in found:
                place["distance"] = str(round(_distance(y, x, float(place["y"]), float(place["x"]))))
            if "radius" in args:
                found = [p for p in found if int(p["distance"]) <= int(args["radius"])]
            if args.get("sort") == "distance":
                found.sort(key=lambda p: int(p["distance"]))
        pageable = found[: 45 * size]
        documents = pageable[(page - 1) * size : page * size]
        is_end = page * size >= len(pageable)
        meta = {
            "total_count": len(found),
            "pageable_count": len(pageable),
            "is_end": is_end,
            "same_name": None,
        }
        return _json({"meta": meta, "documents": documents})
