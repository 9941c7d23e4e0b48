"""Nearest search on both backends, and proof that each uses its index (EXPLAIN)."""

from __future__ import annotations

import random
import uuid

from sqlalchemy import insert, text
from sqlalchemy.dialects import postgresql

from api.context import AppContext
from api.db import utcnow
from api.locations import repository
from api.locations.categories import PointType
from api.locations.geo import haversine_m
from api.locations.models import CollectionPoint
from tests.api.locations.conftest import SEOUL, add_points, record

LAT, LNG = SEOUL


def test_nearest_orders_by_exact_distance_and_respects_radius(any_context: AppContext) -> None:
    rng = random.Random(5)
    points = [
        record(f"p{i}", LAT + rng.uniform(-0.02, 0.02), LNG + rng.uniform(-0.02, 0.02)) for i in range(200)
    ]
    add_points(any_context, points)
    with any_context.session_factory() as session:
        found = repository.nearest(session, lat=LAT, lng=LNG, radius_m=1000, limit=10)
    expected = sorted(
        (d, p.source_key) for p in points if (d := haversine_m(LAT, LNG, p.lat, p.lng)) <= 1000
    )[:10]
    assert [f.point.source_key for f in found] == [key for _, key in expected]
    assert [round(f.distance_m, 6) for f in found] == [round(d, 6) for d, _ in expected]
    assert all(f.distance_m <= 1000 for f in found)


def test_nearest_filters_type_and_category_and_pages(any_context: AppContext) -> None:
    add_points(any_context, [
        record("bin", LAT + 0.001, LNG, PointType.street_recycling_bin),
        record("battery", LAT + 0.002, LNG, PointType.battery_lamp_bin),
        record("clothes", LAT + 0.003, LNG, PointType.clothing_bin),
        record("far-battery", LAT + 0.2, LNG, PointType.battery_lamp_bin),
    ])  # fmt: skip
    with any_context.session_factory() as session:
        by_category = repository.nearest(
            session, lat=LAT, lng=LNG, radius_m=2000, limit=10, category="battery"
        )
        by_type = repository.nearest(
            session, lat=LAT, lng=LNG, radius_m=2000, limit=10, types=["clothing_bin", "street_recycling_bin"]
        )
        second = repository.nearest(session, lat=LAT, lng=LNG, radius_m=2000, limit=1, offset=1)
        empty = repository.nearest(session, lat=35.1, lng=129.0, radius_m=2000, limit=10)
    assert [f.point.source_key for f in by_category] == ["battery"]
    assert [f.point.source_key for f in by_type] == ["bin", "clothes"]
    assert [f.point.source_key for f in second] == ["battery"]
    assert empty == []


def _bulk(context: AppContext, count: int) -> None:
    rng = random.Random(1)
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(), "type": "street_recycling_bin", "accepted_categories": ",paper,",
            "name": f"bulk {i}", "lat": rng.uniform(33.2, 38.5), "lng": rng.uniform(126.0, 129.5),
            "source": "bulk", "source_key": str(i), "created_at": now, "updated_at": now,
        }
        for i in range(count)
    ]  # fmt: skip
    with context.engine.begin() as conn:
        conn.execute(insert(CollectionPoint.__table__), rows)
        conn.execute(text("ANALYZE collection_points" if conn.dialect.name == "postgresql" else "ANALYZE"))


def test_postgres_plan_uses_the_gist_index(any_context: AppContext) -> None:
    if any_context.engine.dialect.name != "postgresql":
        return
    _bulk(any_context, 5000)
    stmt = repository.postgres_nearest_stmt(lat=LAT, lng=LNG, radius_m=1000, limit=10)
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with any_context.engine.connect() as conn:
        plan = "\n".join(row[0] for row in conn.execute(text("EXPLAIN " + sql)))
    assert "ix_collection_points_earth" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_sqlite_plan_uses_the_lat_lng_index(any_context: AppContext) -> None:
    if any_context.engine.dialect.name != "sqlite":
        return
    _bulk(any_context, 5000)
    stmt = repository.sqlite_candidates_stmt(lat=LAT, lng=LNG, radius_m=1000)
    from sqlalchemy.dialects import sqlite

    sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with any_context.engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "USING INDEX ix_collection_points_lat_lng" in plan, plan
    assert not plan.startswith("SCAN collection_points") or "INDEX" in plan


def test_nearest_matches_brute_force_in_dense_and_sparse_areas(any_context: AppContext) -> None:
    rng = random.Random(9)
    dense = [
        record(f"d{i}", LAT + rng.uniform(-0.0004, 0.0004), LNG + rng.uniform(-0.0005, 0.0005))
        for i in range(40)
    ]
    sparse = [
        record(f"s{i}", LAT + rng.uniform(-0.05, 0.05), LNG + rng.uniform(-0.06, 0.06)) for i in range(60)
    ]
    add_points(any_context, dense + sparse)
    everything = dense + sparse
    for limit, offset, radius in ((10, 0, 5000), (5, 30, 5000), (20, 40, 3000), (10, 0, 60)):
        expected = sorted(
            (d, p.source_key) for p in everything if (d := haversine_m(LAT, LNG, p.lat, p.lng)) <= radius
        )[offset : offset + limit]
        with any_context.session_factory() as session:
            found = repository.nearest(session, lat=LAT, lng=LNG, radius_m=radius, limit=limit, offset=offset)
        assert [f.point.source_key for f in found] == [key for _, key in expected], (limit, offset, radius)
