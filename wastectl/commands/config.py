"""`wastectl config`: inspect the WASTE_* configuration the API and workers would use."""

from __future__ import annotations

from typing import Any

import typer

from wastectl import settings as cli_settings
from wastectl.output import OutputFormat, OutputOption, Printer

app = typer.Typer(help="Inspect the WASTE_* configuration (secrets are always masked).", no_args_is_help=True)


@app.command("show")
def show(output: OutputOption = OutputFormat.table) -> None:
    """Validate the configuration and show every setting and which backend each part uses.

    Reads the environment and ./.env. Exits 2 with the offending variable named if invalid.
    Passwords in URLs and every key are shown masked.

    Examples:

      wastectl config show

      WASTE_DATABASE_URL=postgresql://waste@db/waste wastectl config show -o json
    """
    settings = cli_settings.load()
    data: dict[str, Any] = {"profile": settings.profile(), "settings": cli_settings.public_view(settings)}

    def render(p: Printer) -> None:
        p.table("Profile", ["part", "backend"], sorted(data["profile"].items()))
        p.table(
            "Settings", ["name", "value"], [(f"WASTE_{k.upper()}", v) for k, v in data["settings"].items()]
        )

    Printer("config show", output).result(data, render)
