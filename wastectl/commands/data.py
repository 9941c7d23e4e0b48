"""`wastectl data`: load public datasets into the database (collection points for now)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from wastectl import settings as cli_settings
from wastectl.errors import WastectlError
from wastectl.exitcodes import ExitCode
from wastectl.output import ErrorEntry, OutputFormat, OutputOption, Printer

app = typer.Typer(help="Load public datasets into the database.", no_args_is_help=True)


class PointFormat(StrEnum):
    """Mirrors api.locations.importer.FORMATS (kept here so `--help` imports nothing heavy)."""

    clothing = "clothing"
    battery_lamp = "battery-lamp"
    medicine = "medicine"
    trash_can = "trash-can"
    recycling_centre = "recycling-centre"
    keco = "keco"
    generic = "generic"


@app.command("import-points")
def import_points(
    *,
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV file to import.")
    ],
    fmt: Annotated[
        PointFormat, typer.Option("--format", "-f", help="Layout of the file (docs/locations.md).")
    ],
    source: Annotated[
        str | None, typer.Option(help="Source id stored with each point (default: one per format).")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Skip detection: utf-8, cp949 (EUC-KR)... Default: detect.")
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Import nothing if any row is bad.")] = False,
    show_skipped: Annotated[
        int, typer.Option(min=0, help="Skipped rows listed in the table (json lists all).")
    ] = 20,
    output: OutputOption = OutputFormat.table,
) -> int:
    """Import collection points from a data.go.kr standard CSV, the KECO sites file or a generic CSV.

    Detects UTF-8 vs EUC-KR/CP949, validates every row (coordinates inside Korea, required fields)

    and upserts on (source, source key): running it twice changes nothing.

    Exit codes: 0 all rows imported; 3 some rows skipped (reasons listed);

    2 the file cannot be used (encoding, header, format), or --strict and a bad row (nothing imported).

    Examples:

      wastectl data import-points 의류수거함.csv --format clothing

      wastectl data import-points sites.csv --format keco --strict -o json
    """
    from sqlalchemy.exc import OperationalError

    from api import migrate
    from api.context import AppContext
    from api.locations.importer import FORMATS, ImportFileError
    from api.locations.importer import import_points as run_import
    from wastectl.settings import redact_url

    printer = Printer("data import-points", output)
    if source is not None and not 0 < len(source.strip()) <= 64:
        return _fail(printer, "--source must be 1 to 64 characters")
    settings = cli_settings.load()
    printer.info(f"database  {redact_url(settings.resolved_database_url)}")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        migrate.upgrade(settings.resolved_database_url)
    except OperationalError as exc:
        raise WastectlError(
            f"cannot migrate the database at {redact_url(settings.resolved_database_url)}: {exc.orig or exc}",
            hint="is the database running and WASTE_DATABASE_URL right?",
        ) from None
    context = AppContext.from_settings(settings)
    try:
        report = run_import(
            file, fmt=FORMATS[fmt.value], session_factory=context.session_factory, source=source,
            encoding=encoding, strict=strict, progress=lambda rows: printer.info(f"read      {rows} rows"),
        )  # fmt: skip
    except ImportFileError as exc:
        return _fail(printer, f"{file}: {exc}")
    finally:
        context.close()
    data = report.as_dict()
    failed = strict and bool(report.skipped)

    def render(p: Printer) -> None:
        p.table(
            f"{file.name} ({report.format}, {report.encoding}, source {report.source})",
            ["rows", "imported", "updated", "unchanged", "skipped"],
            [(report.rows, report.imported, report.updated, report.unchanged, len(report.skipped))],
        )
        if report.skipped:
            shown = report.skipped[:show_skipped]
            p.table("Skipped rows", ["line", "reason"], [(s.line, s.reason) for s in shown])
            if len(report.skipped) > len(shown):
                p.info(f"... and {len(report.skipped) - len(shown)} more: use --output json to list all")
        if failed:
            p.info("--strict: nothing was imported because of the rows above")

    errors = [ErrorEntry(s.reason, target=f"line {s.line}", code="SkippedRow") for s in report.skipped]
    printer.result(data, render, ok=not failed, errors=errors if failed else [])
    if failed:
        return int(ExitCode.USAGE)
    return int(ExitCode.PARTIAL if report.skipped else ExitCode.OK)


def _fail(printer: Printer, message: str) -> int:
    from wastectl.output import print_error

    if printer.json:
        printer.result(None, lambda _p: None, ok=False, errors=[ErrorEntry(message, code="usage")])
    print_error(message)
    return int(ExitCode.USAGE)
