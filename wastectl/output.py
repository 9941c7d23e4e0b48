"""Shared output for every command: Rich tables for people, a versioned JSON envelope for machines.

JSON envelope (docs/cli.md), version 1:
    {"apiVersion": "wastectl/v1", "command": "config show", "ok": true, "data": ..., "errors": []}
Every entry of `errors` is an `ErrorEntry`: the same four keys for every command.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

API_VERSION = "wastectl/v1"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


@dataclass
class RunOptions:
    """What the error boundary (wastectl/app.py) needs to know about this run, filled in by Click
    while it parses (option callbacks): the root's `--debug`, the command's `--output` and name."""

    debug: bool = False
    output: OutputFormat = OutputFormat.table
    command: str = ""

    @property
    def json(self) -> bool:
        return self.output is OutputFormat.json


def run_options(ctx: typer.Context) -> RunOptions | None:
    """The run's `RunOptions`: the root context's `obj` (a group may keep its own `obj` below it)."""
    run = ctx.find_root().obj
    return run if isinstance(run, RunOptions) else None


def _remember_output(ctx: typer.Context, value: OutputFormat) -> OutputFormat:
    run = run_options(ctx)
    if run is not None:
        run.output = value
        run.command = ctx.command_path.partition(" ")[2]
    return value


OutputOption = Annotated[
    OutputFormat,
    typer.Option(
        "--output",
        "-o",
        help="table for people, json for scripts (a versioned envelope, see docs/cli.md).",
        envvar="WASTECTL_OUTPUT",
        case_sensitive=False,
        callback=_remember_output,
    ),
]


#: For commands whose output is a stream (a shell, a server, logs): only a failure is JSON.
StreamOutputOption = Annotated[
    OutputFormat,
    typer.Option(
        "--output",
        "-o",
        help="json: a failure is the JSON envelope on stdout (docs/cli.md); the stream stays text.",
        envvar="WASTECTL_OUTPUT",
        case_sensitive=False,
        callback=_remember_output,
    ),
]


@dataclass(frozen=True)
class ErrorEntry:
    """One entry of the envelope's `errors`, the same shape for every command (docs/cli.md).

    `code` names the kind of problem where there is a stable name for it (a health check ID,
    `ResetLeftovers`, `usage`...); `target` is the node, row, stage or check it concerns.
    """

    message: str
    target: str | None = None
    code: str | None = None
    hint: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        from wastectl.redact import redact

        return {
            "code": self.code,
            "message": redact(self.message),
            "target": self.target,
            "hint": redact(self.hint) if self.hint else None,
        }


def envelope(
    command: str, data: Any, *, ok: bool = True, errors: Sequence[ErrorEntry] = ()
) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "command": command,
        "ok": ok,
        "data": data,
        "errors": [error.as_dict() for error in errors],
    }


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
        errors: Sequence[ErrorEntry] = (),
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


def print_json_failure(command: str, error: ErrorEntry) -> None:
    """The JSON envelope of a command that failed before producing data (scripts still get JSON)."""
    sys.stdout.write(
        json.dumps(envelope(command, None, ok=False, errors=[error]), ensure_ascii=False, indent=2) + "\n"
    )
