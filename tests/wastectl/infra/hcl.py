"""Parse terraform/ with python-hcl2 8.x in its classic shape (quotes stripped, no block markers)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from tests.support.cli import REPO_ROOT

TERRAFORM = REPO_ROOT / "terraform"


@cache
def load(path: Path) -> dict[str, Any]:
    import hcl2

    options = hcl2.SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
    with path.open(encoding="utf-8") as handle:
        parsed: dict[str, Any] = hcl2.load(handle, serialization_options=options)
    return parsed


def blocks(directory: Path, kind: str) -> dict[str, Any]:
    """Every `kind` block (variable, output, module...) of a directory, by name."""
    found: dict[str, Any] = {}
    for path in sorted(directory.glob("*.tf")):
        for entry in load(path).get(kind, []):
            found.update(entry)
    return found


def resources(directory: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(type, name) -> body of every resource in a directory."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        for entry in load(path).get("resource", []):
            for rtype, named in entry.items():
                for name, body in named.items():
                    found[(rtype, name)] = body
    return found


def first(value: Any) -> Any:
    """A nested block parses as a list of one mapping."""
    return value[0] if isinstance(value, list) and value else value
