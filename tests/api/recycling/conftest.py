from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.context import AppContext
from api.db import session_scope
from api.knowledge import load_knowledge_base


@pytest.fixture
def kb_client(client: TestClient, context: AppContext) -> TestClient:
    """The API client with the knowledge base loaded (a no-op after the first test: reference data)."""
    with session_scope(context.session_factory) as session:
        load_knowledge_base(session)
    return client
