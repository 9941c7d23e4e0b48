"""Choose the analyser from the settings (`WASTE_ANALYSER`, or openai when a key is set)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.analyser.base import Analyser
from api.settings import Settings

if TYPE_CHECKING:
    from api.knowledge.bundle import KnowledgeBundle


def make_analyser(settings: Settings, bundle: KnowledgeBundle) -> Analyser:
    name = settings.effective_analyser
    if name == "offline":
        from api.analyser.offline import OfflineAnalyser

        return OfflineAnalyser(bundle)
    from api.analyser.openai_provider import OpenAIAnalyser

    return OpenAIAnalyser(settings, bundle, name=name)
