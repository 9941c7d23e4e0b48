"""Korean waste-separation knowledge base: validated YAML data, ranked search, database loading.

Public API (used by the analyser, the scan pipeline and the recycling endpoints):
`load_bundle()` -> `KnowledgeBundle` (`.categories`, `.items`, `.category_ids()`, `.search(text,
limit)`, `.item(id)`, `.category(id)`), the `Category`/`Item` models, `KnowledgeBaseError`, and
`load_knowledge_base(session)` (idempotent upsert into the `kb_*` tables, in `api.knowledge.seed`).
"""

from api.knowledge.bundle import KnowledgeBundle
from api.knowledge.loader import KnowledgeBaseError, load_bundle, read_bundle
from api.knowledge.schema import MAJOR_CLASSES, Category, Item, MajorClass
from api.knowledge.seed import LoadResult, load_knowledge_base

__all__ = [
    "MAJOR_CLASSES",
    "Category",
    "Item",
    "KnowledgeBaseError",
    "KnowledgeBundle",
    "LoadResult",
    "MajorClass",
    "load_bundle",
    "load_knowledge_base",
    "read_bundle",
]
