"""Observed attributes of an object and the questions that settle them when the photo cannot.

The vision model reports what it *sees* (is it greasy? is the label still on?); an item's
conditional rules (`conditions:` in the YAML) are keyed by these same names and values, and a
question is asked when an unobserved attribute would change the bin. One vocabulary, here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Attribute(StrEnum):
    contamination = "contamination"
    transparency = "transparency"
    label = "label"
    cap = "cap"
    broken = "broken"
    mixed = "mixed"
    contents = "contents"


#: Allowed values per attribute (the model may also answer "unknown": not observable in the photo).
VALUES: dict[Attribute, tuple[str, ...]] = {
    Attribute.contamination: ("none", "light", "heavy"),
    Attribute.transparency: ("clear", "coloured"),
    Attribute.label: ("off", "on"),
    Attribute.cap: ("off", "on"),
    Attribute.broken: ("no", "yes"),
    Attribute.mixed: ("no", "yes"),
    Attribute.contents: ("empty", "left"),
}
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Question:
    ko: str
    en: str
    answers: dict[str, tuple[str, str]]  # value -> (ko, en)


QUESTIONS: dict[Attribute, Question] = {
    Attribute.contamination: Question(
        "기름이나 음식물이 묻어 있나요? 헹궈도 지워지지 않나요?",
        "Is it stained with grease or food that does not wash off?",
        {"none": ("깨끗해요", "It is clean"), "light": ("조금 묻었어요", "A little"),
         "heavy": ("많이 묻어 안 지워져요", "Heavily, it does not wash off")},
    ),
    Attribute.transparency: Question(
        "병이 무색 투명한가요, 색이 있나요?", "Is the bottle colourless and clear, or coloured?",
        {"clear": ("무색 투명해요", "Colourless, clear"), "coloured": ("색이 있어요", "Coloured")},
    ),
    Attribute.label: Question(
        "라벨(비닐 포장)이 붙어 있나요?", "Is the plastic label still on?",
        {"off": ("떼었어요 / 없어요", "Removed / none"), "on": ("붙어 있어요", "Still on")},
    ),
    Attribute.cap: Question(
        "뚜껑이 있나요?", "Is the cap or lid still on?",
        {"off": ("없어요", "No"), "on": ("있어요", "Yes")},
    ),
    Attribute.broken: Question(
        "깨졌거나 부서졌나요?", "Is it broken?",
        {"no": ("멀쩡해요", "Intact"), "yes": ("깨졌어요", "Broken")},
    ),
    Attribute.mixed: Question(
        "다른 재질(금속·플라스틱·고무 등)이 붙어 있고 떼어 낼 수 없나요?",
        "Are other materials attached that cannot be taken off?",
        {"no": ("한 가지 재질이에요 / 떼어 냈어요", "One material / separated"),
         "yes": ("떼어 낼 수 없어요", "Cannot be separated")},
    ),
    Attribute.contents: Question(
        "안에 내용물이 남아 있나요?", "Is anything left inside?",
        {"empty": ("비었어요", "Empty"), "left": ("남아 있어요", "Something is left")},
    ),
}  # fmt: skip
