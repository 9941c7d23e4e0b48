"""Registers the fleet command groups on the root app (one line in wastectl/app.py)."""

from __future__ import annotations

import typer

from wastectl.commands import health as health_cmd
from wastectl.commands import nodes as nodes_cmd
from wastectl.commands import reset as reset_cmd
from wastectl.commands import scp as scp_cmd
from wastectl.commands import ssh as ssh_cmd
from wastectl.fleet.dashdash import DashDashCommand

PANEL = "Fleet"


def register(app: typer.Typer) -> None:
    app.command("nodes", rich_help_panel=PANEL, epilog=nodes_cmd.EXAMPLES)(nodes_cmd.nodes)
    app.command("ssh", rich_help_panel=PANEL, cls=DashDashCommand, epilog=ssh_cmd.SSH_EXAMPLES)(ssh_cmd.ssh)
    app.command("exec", rich_help_panel=PANEL, cls=DashDashCommand, epilog=ssh_cmd.EXEC_EXAMPLES)(
        ssh_cmd.exec_
    )
    app.command("scp", rich_help_panel=PANEL, epilog=scp_cmd.EXAMPLES)(scp_cmd.scp)
    app.command("health", rich_help_panel=PANEL, epilog=health_cmd.EXAMPLES)(health_cmd.health)
    app.command("reset", rich_help_panel=PANEL, epilog=reset_cmd.EXAMPLES)(reset_cmd.reset)
    app.add_typer(ssh_cmd.known_hosts_app, name="known-hosts", rich_help_panel=PANEL)
