"""Shared output for every command: Rich tables for people, a versioned JSON envelope for machines.

JSON envelope (docs/cli.md), version 1:
    {"apiVersion": "wastectl/v1", "command": "config show", "ok": true, "data": ..., "errors": []}
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

API_VERSION = "wastectl/v1"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


OutputOption = Annotated[
    OutputFormat,
    typer.Option(
        "--output",
        "-o",
        help="table for people, json for scripts (a versioned envelope, see docs/cli.md).",
        envvar="WASTECTL_OUTPUT",
        case_sensitive=False,
    ),
]


def envelope(
    command: str, data: Any, *, ok: bool = True, errors: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "command": command, "ok": ok, "data": data, "errors": list(errors)}


def stdout_console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


class Printer:
    """Prints one command's result in the chosen format; errors always go to stderr."""

    def __init__(self, command: str, fmt: OutputFormat = OutputFormat.table) -> None:
        self.command = command
        self.format = fmt
        self._out: Console | None = None
        self._err: Console | None = None

    @property
    def json(self) -> bool:
        return self.format is OutputFormat.json

    @property
    def out(self) -> Console:
        if self._out is None:
            self._out = stdout_console()
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            self._err = stderr_console()
        return self._err

    def result(
        self,
        data: Any,
        render: Callable[[Printer], None],
        *,
        ok: bool = True,
        errors: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Emit `data` as the JSON envelope, or call `render` to draw it for people."""
        if self.json:
            sys.stdout.write(
                json.dumps(
                    envelope(self.command, data, ok=ok, errors=errors),
                    ensure_ascii=False,
                    default=str,
                    indent=2,
                )
                + "\n"
            )
            sys.stdout.flush()
        else:
            render(self)

    def table(self, title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        from rich.table import Table

        table = Table(title=title, title_justify="left", header_style="bold")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*("" if cell is None else str(cell) for cell in row))
        self.out.print(table)

    def info(self, message: str) -> None:
        """Progress and hints for people: stderr, so stdout stays clean for data (secrets masked)."""
        from wastectl.redact import redact

        self.err.print(redact(message))


def print_error(message: str, *, hint: str | None = None) -> None:
    """One clear line on stderr (plus an optional hint line); message text is never parsed as markup."""
    from rich.text import Text

    from wastectl.redact import redact

    console = stderr_console()
    console.print(Text("error: ", style="bold red") + Text(redact(message)))
    if hint:
        console.print(Text("hint: ", style="yellow") + Text(redact(hint)))


def print_json_failure(command: str, message: str, hint: str | None) -> None:
    """The JSON envelope of a command that failed before producing data (scripts still get JSON)."""
    from wastectl.redact import redact

    error = {"message": redact(message), **({"hint": redact(hint)} if hint else {})}
    body = envelope(command, None, ok=False, errors=[error])
    sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
