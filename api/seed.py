"""Reference and sample data loaded by `wastectl dev` (and by migrations where it is reference data).

Each feature contributes a seeder `(context) -> rows loaded`; seeders must be idempotent.
"""

from __future__ import annotations

from collections.abc import Callable

from api.context import AppContext
from api.knowledge.seed import seed_knowledge_base

Seeder = Callable[[AppContext], int]


def development_seeders() -> dict[str, Seeder]:
    """Seeders in load order. Features register theirs here as they land."""
    from api.locations.sample import seed_sample_points

    return {
        "knowledge_base": seed_knowledge_base,
        "locations sample points (synthetic)": seed_sample_points,
    }


def seed_development_data(context: AppContext) -> dict[str, int]:
    return {name: seeder(context) for name, seeder in development_seeders().items()}
