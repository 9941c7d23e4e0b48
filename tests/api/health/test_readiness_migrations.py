"""`/readyz` fails on a database behind this code's migrations, naming the missing ones."""

from __future__ import annotations

from collections.abc import Callable

from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient

from api import migrate
from api.settings import Settings


def _heads() -> list[str]:
    return sorted(ScriptDirectory(str(migrate.MIGRATIONS_DIR)).get_heads())


def test_an_unmigrated_database_is_not_ready_and_the_migrations_are_named(
    serve: Callable[..., TestClient], make_settings: Callable[..., Settings]
) -> None:
    client = serve()  # embedded SQLite, never migrated
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    error = body["checks"]["database"]["error"]
    assert error.startswith("NotMigrated: missing migration ") and "python -m api.predeploy" in error
    for head in _heads():
        assert head in error

    migrate.upgrade(make_settings().resolved_database_url)
    assert client.get("/readyz").status_code == 200


def test_a_database_one_branch_behind_names_only_that_branch(
    serve: Callable[..., TestClient], make_settings: Callable[..., Settings]
) -> None:
    heads = _heads()
    settings = make_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    for head in heads[:-1]:
        migrate.upgrade(url, head)
    error = serve().get("/readyz").json()["checks"]["database"]["error"]
    assert error.startswith(f"NotMigrated: missing migration {heads[-1]};")
