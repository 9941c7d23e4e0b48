"""Read and validate the packaged YAML files into a `KnowledgeBundle`.

`read_bundle(directory)` is pure (tests point it at broken copies); `load_bundle()` caches the
packaged data once per process. Every problem becomes a `KnowledgeBaseError` naming the file, the
record (index and id) and the field, so a bad edit is found without reading a traceback.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from api.knowledge.bundle import KnowledgeBundle
from api.knowledge.schema import (
    CategoriesFile,
    Category,
    CategoryRecord,
    Condition,
    ConditionRecord,
    Item,
    ItemRecord,
    ItemsFile,
    RegionOverride,
    RegionsFile,
    SourceRecord,
    SourcesFile,
)

DATA_DIR = Path(__file__).parent / "data"
SOURCES_FILE = "sources.yaml"
CATEGORIES_FILE = "categories.yaml"
REGIONS_FILE = "regions.yaml"
ITEMS_GLOB = "items_*.yaml"

_M = TypeVar("_M", bound=BaseModel)


class KnowledgeBaseError(ValueError):
    """The data files are malformed; the message names file, record and field."""


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeBaseError(f"{path.name}: file is missing from {path.parent}") from None
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(f"{path.name}: not valid YAML: {exc}") from None


def _describe(raw: Any, path: Path, error: ErrorDetails) -> str:
    """`items_paper.yaml: items[3] (id 'newspaper'): steps: List should have at least 1 item`."""
    loc = list(error["loc"])
    where = path.name
    if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(raw, dict):
        records = raw.get(loc[0])
        record = records[loc[1]] if isinstance(records, list) and loc[1] < len(records) else None
        record_id = record.get("id") if isinstance(record, dict) else None
        where += f": {loc[0]}[{loc[1]}]" + (f" (id {record_id!r})" if record_id else "")
        loc = loc[2:]
    elif loc:
        where += f": {loc[0]}"
        loc = loc[1:]
    field_path = ".".join(str(part) for part in loc)
    return f"{where}: {field_path + ': ' if field_path else ''}{error['msg']}"


def _validate(model: type[_M], path: Path) -> _M:
    raw = _read_yaml(path)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe(raw, path, err) for err in exc.errors(include_url=False)]
        raise KnowledgeBaseError("; ".join(problems[:5])) from None


def _cite(keys: list[str], sources: dict[str, SourceRecord], where: str) -> str:
    unknown = [key for key in keys if key not in sources]
    if unknown:
        raise KnowledgeBaseError(f"{where}: sources: unknown source key(s) {', '.join(unknown)}")
    return "; ".join(
        f"{sources[k].title} <{sources[k].url}>" + (" (secondary)" if sources[k].secondary else "")
        for k in keys
    )


def _category(record: CategoryRecord, sources: dict[str, SourceRecord]) -> Category:
    data = record.model_dump(exclude={"sources"})
    where = f"{CATEGORIES_FILE}: category {record.id!r}"
    return Category(**data, source=_cite(record.sources, sources, where))


def _condition(record: ConditionRecord, item: ItemRecord, bin_: str, categories: dict[str, Category],
               where: str) -> Condition:  # fmt: skip
    category_id = record.category_id or item.category_id
    category = categories.get(category_id)
    if category is None:
        raise KnowledgeBaseError(f"{where}: conditions: unknown category {category_id!r}")
    if record.bin:
        chosen_bin = record.bin
    elif record.category_id and record.category_id != item.category_id:
        chosen_bin = category.bin
    else:
        chosen_bin = bin_
    return Condition(
        when=record.when, category_id=category_id, bin=chosen_bin,
        steps=record.steps or (category.steps if record.category_id else item.steps),
        mistakes=record.mistakes or item.mistakes, hazard=record.hazard or item.hazard,
    )  # fmt: skip


def _item(
    record: ItemRecord, file: str, categories: dict[str, Category], sources: dict[str, SourceRecord]
) -> Item:
    where = f"{file}: item {record.id!r}"
    category = categories.get(record.category_id)
    if category is None:
        raise KnowledgeBaseError(f"{where}: category_id: unknown category {record.category_id!r}")
    data = record.model_dump(exclude={"sources", "bin", "conditions"})
    bin_ = record.bin or category.bin
    conditions = tuple(_condition(c, record, bin_, categories, where) for c in record.conditions)
    return Item(**data, bin=bin_, conditions=conditions, source=_cite(record.sources, sources, where))


def read_bundle(directory: Path = DATA_DIR) -> KnowledgeBundle:
    """Validate every data file in `directory` and resolve it into a bundle."""
    sources = _validate(SourcesFile, directory / SOURCES_FILE).sources
    categories: dict[str, Category] = {}
    for category in _validate(CategoriesFile, directory / CATEGORIES_FILE).categories:
        if category.id in categories:
            raise KnowledgeBaseError(f"{CATEGORIES_FILE}: category {category.id!r}: id: duplicate id")
        categories[category.id] = _category(category, sources)
    item_files = sorted(directory.glob(ITEMS_GLOB))
    if not item_files:
        raise KnowledgeBaseError(f"no {ITEMS_GLOB} files in {directory}")
    items: dict[str, Item] = {}
    origin: dict[str, str] = {}
    for path in item_files:
        for record in _validate(ItemsFile, path).items:
            if record.id in items:
                raise KnowledgeBaseError(
                    f"{path.name}: item {record.id!r}: id: duplicate id (also in {origin[record.id]})"
                )
            items[record.id] = _item(record, path.name, categories, sources)
            origin[record.id] = path.name
    regions = (
        _regions(directory / REGIONS_FILE, items, sources) if (directory / REGIONS_FILE).exists() else []
    )
    return KnowledgeBundle(categories=list(categories.values()), items=list(items.values()), regions=regions)


def _regions(path: Path, items: dict[str, Item], sources: dict[str, SourceRecord]) -> list[RegionOverride]:
    found: list[RegionOverride] = []
    for n, region in enumerate(_validate(RegionsFile, path).regions):
        where = f"{path.name}: regions[{n}] ({region.sido} {region.sigungu})"
        source = _cite(region.sources, sources, where)
        if all(sources[k].secondary for k in region.sources):
            raise KnowledgeBaseError(f"{where}: sources: a district rule needs an official source")
        for item_id, override in region.items.items():
            if item_id not in items:
                raise KnowledgeBaseError(f"{where}: items: unknown item {item_id!r}")
            found.append(RegionOverride(
                item_id=item_id, sido=region.sido, sigungu=region.sigungu, bin=override.bin,
                steps=override.steps, note=override.note, source=source,
            ))  # fmt: skip
    return found


@lru_cache(maxsize=1)
def load_bundle() -> KnowledgeBundle:
    """The packaged knowledge base, validated once per process."""
    return read_bundle(DATA_DIR)
