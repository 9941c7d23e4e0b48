"""Pydantic schema of the knowledge-base data files, validated every time they are loaded.

Two layers: the *file* records (`CategoryRecord`, `ItemRecord`, `SourceRecord`) mirror the YAML and
may leave out what they inherit (an item's `bin` defaults to its category's); the *public* models
(`Category`, `Item`) are what the API, the analyser and the database loader see, fully resolved.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.knowledge.attributes import VALUES, Attribute

MajorClass = Literal["recyclable", "general", "non_combustible", "food", "bulky", "hazardous", "ewaste"]
MAJOR_CLASSES: tuple[MajorClass, ...] = (
    "recyclable",
    "general",
    "non_combustible",
    "food",
    "bulky",
    "hazardous",
    "ewaste",
)

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", min_length=2, max_length=60)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- file records -------------------------------------------------------------------------------
class SourceRecord(_Strict):
    """One cited source; `secondary` marks blogs and reposts (hints that back an official rule)."""

    title: Text
    url: Annotated[str, StringConstraints(pattern=r"^(https?://|github:)\S+$")]
    secondary: bool = False


class CategoryRecord(_Strict):
    id: Id
    name_ko: Name
    name_en: Name
    major_class: MajorClass
    bin: Text
    steps: list[Text] = Field(min_length=1)
    mistakes: list[Text] = Field(default_factory=list)
    region_dependent: bool
    sources: list[Id] = Field(min_length=1)


class ConditionRecord(_Strict):
    """A rule chosen by observed attributes: `when` all match -> these fields replace the item's.

    `category_id` moves the object to another category (and its bin unless `bin` is given); the
    first matching condition of an item wins, none matching means the item's own guidance.
    """

    when: dict[Attribute, str] = Field(min_length=1)
    category_id: Id | None = None
    bin: Text | None = None
    steps: list[Text] | None = Field(default=None, min_length=1)
    mistakes: list[Text] | None = Field(default=None, min_length=1)
    hazard: Text | None = None

    @model_validator(mode="after")
    def _known_values(self) -> ConditionRecord:
        for attribute, value in self.when.items():
            if value not in VALUES[attribute]:
                allowed = ", ".join(VALUES[attribute])
                raise ValueError(f"when.{attribute.value}: {value!r} is not one of {allowed}")
        if not (self.category_id or self.bin or self.steps or self.hazard):
            raise ValueError("a condition must change category_id, bin, steps or hazard")
        return self


class ItemRecord(_Strict):
    id: Id
    name_ko: Name
    name_en: Name
    aliases: list[Name] = Field(default_factory=list)
    category_id: Id
    bin: Text | None = None
    steps: list[Text] = Field(min_length=1)
    mistakes: list[Text] = Field(min_length=1)
    hazard: Text | None = None
    conditions: list[ConditionRecord] = Field(default_factory=list)
    #: what an unobserved attribute is taken to be (no question asked): a 투명 페트병 is clear
    assume: dict[Attribute, str] = Field(default_factory=dict)
    region_dependent: bool
    sources: list[Id] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_assumptions(self) -> ItemRecord:
        for attribute, value in self.assume.items():
            if value not in VALUES[attribute]:
                raise ValueError(
                    f"assume.{attribute.value}: {value!r} is not one of {', '.join(VALUES[attribute])}"
                )
        return self


class RegionOverrideRecord(_Strict):
    bin: Text | None = None
    steps: list[Text] | None = Field(default=None, min_length=1)
    note: Text | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> RegionOverrideRecord:
        if not (self.bin or self.steps or self.note):
            raise ValueError("a region override must set bin, steps or note")
        return self


class RegionRecord(_Strict):
    sido: Name
    sigungu: Name
    sources: list[Id] = Field(min_length=1)
    items: dict[Id, RegionOverrideRecord] = Field(min_length=1)


class RegionsFile(_Strict):
    regions: list[RegionRecord]


class SourcesFile(_Strict):
    sources: dict[Id, SourceRecord]


class CategoriesFile(_Strict):
    categories: list[CategoryRecord] = Field(min_length=1)


class ItemsFile(_Strict):
    items: list[ItemRecord] = Field(min_length=1)


# --- public, resolved models --------------------------------------------------------------------
class Category(_Strict):
    id: str
    name_ko: str
    name_en: str
    major_class: MajorClass
    bin: str
    steps: list[str]
    mistakes: list[str]
    region_dependent: bool
    source: str


class RegionOverride(_Strict):
    item_id: str
    sido: str
    sigungu: str
    bin: str | None
    steps: list[str] | None
    note: str | None
    source: str


class Condition(_Strict):
    """A resolved condition: `bin` is always filled (from the condition, its category or the item)."""

    when: dict[Attribute, str]
    category_id: str
    bin: str
    steps: list[str]
    mistakes: list[str]
    hazard: str | None


class Item(_Strict):
    id: str
    name_ko: str
    name_en: str
    aliases: list[str]
    category_id: str
    bin: str
    steps: list[str]
    mistakes: list[str]
    region_dependent: bool
    source: str
    hazard: str | None = None
    conditions: tuple[Condition, ...] = ()
    assume: dict[Attribute, str] = Field(default_factory=dict)
