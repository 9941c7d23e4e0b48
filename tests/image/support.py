"""The Dockerfile, parsed by BuildKit's own parser (the `dockerfile` package), split into stages."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"


@dataclass
class Stage:
    base: str
    name: str | None
    commands: list[Any] = field(default_factory=list)

    def of(self, instruction: str) -> list[Any]:
        return [c for c in self.commands if c.cmd == instruction.upper()]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for command in self.of("ENV"):
            pairs = command.value
            values.update(zip(pairs[::2], pairs[1::2], strict=True))
        return values


def parse() -> tuple[dict[str, str], list[Stage]]:
    """(global ARG defaults, stages in order)."""
    import dockerfile

    args: dict[str, str] = {}
    stages: list[Stage] = []
    for command in dockerfile.parse_file(str(DOCKERFILE)):
        if command.cmd == "FROM":
            value = list(command.value)
            name = value[2] if len(value) == 3 and value[1].upper() == "AS" else None
            stages.append(Stage(base=value[0], name=name))
        elif stages:
            stages[-1].commands.append(command)
        elif command.cmd == "ARG":
            key, _, default = command.value[0].partition("=")
            args[key] = default
    return args, stages


def resolve(image: str, args: dict[str, str]) -> str:
    for key, value in args.items():
        image = image.replace("${" + key + "}", value).replace("$" + key, value)
    return image


def build_context() -> list[Path]:
    """Files the build context holds, by Docker's .dockerignore rules (the last match wins)."""
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    kept: list[Path] = []
    for path in _files():
        relative = path.relative_to(REPO_ROOT).as_posix()
        included = True
        for pattern in patterns:
            negate = pattern.startswith("!")
            glob = pattern.lstrip("!").rstrip("/")
            if _match(relative, glob):
                included = negate
        if included:
            kept.append(path)
    return kept


def _files() -> list[Path]:
    """The work tree without local venvs and caches (never part of a clean clone either)."""
    found: list[Path] = []
    for root, dirs, names in os.walk(REPO_ROOT):
        dirs[:] = [d for d in dirs if d not in (".git", ".venv", ".mypy_cache", ".ruff_cache")]
        found.extend(Path(root) / name for name in names)
    return sorted(found)


def _match(relative: str, glob: str) -> bool:
    if glob == "**":
        return True
    if fnmatch.fnmatchcase(relative, glob) or relative.startswith(glob + "/"):
        return True
    if glob.startswith("**/"):
        tail = glob[3:]
        parts = relative.split("/")
        return any(fnmatch.fnmatchcase("/".join(parts[i:]), tail) or part == tail
                   for i, part in enumerate(parts))  # fmt: skip
    return False
