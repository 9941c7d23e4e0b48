"""Per-process collaborators of the scan feature: storage, knowledge base, analyser.

Built lazily from an `AppContext` (the API's or a worker's) and closed with it.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from api.analyser.base import Analyser
from api.uploads.storage import Storage, make_storage

if TYPE_CHECKING:
    from api.context import AppContext
    from api.knowledge import KnowledgeBundle


class ScanRuntime:
    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.settings = context.settings

    @cached_property
    def storage(self) -> Storage:
        return make_storage(self.settings)

    @cached_property
    def bundle(self) -> KnowledgeBundle:
        from api.knowledge import load_bundle

        return load_bundle()

    @cached_property
    def analyser(self) -> Analyser:
        from api.analyser.factory import make_analyser

        return make_analyser(self.settings, self.bundle)
