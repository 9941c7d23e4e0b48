"""A Typer command class that keeps everything after `--` as the remote command, untouched.

Click swallows `--`, so `exec NODE... -- CMD` could not tell nodes from the command otherwise.
"""

from __future__ import annotations

from typing import Any

from typer._click.core import Context  # typer vendors click; its Command expects this Context
from typer.core import TyperCommand

REMOTE_COMMAND = "remote_command"


class DashDashCommand(TyperCommand):
    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if "--" in args:
            cut = args.index("--")
            ctx.meta[REMOTE_COMMAND] = args[cut + 1 :]
            args = args[:cut]
        else:
            ctx.meta[REMOTE_COMMAND] = []
        return super().parse_args(ctx, args)


def remote_command(ctx: Any) -> list[str]:
    return list(ctx.meta.get(REMOTE_COMMAND, []))
