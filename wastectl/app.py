"""The root Typer application: global options, command groups and the error boundary.

Command modules import nothing heavy at module level (boto3, kubernetes, paramiko, openai,
sqlalchemy, celery...), so `wastectl --help` stays fast; a test checks it. Only Click reads argv:
what the error boundary needs (`--debug`, the command's `--output` and name) reaches it through
the `RunOptions` Click hands every context as `ctx.obj`.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from wastectl import __version__
from wastectl.commands import cluster as cluster_cmd
from wastectl.commands import config as config_cmd
from wastectl.commands import data as data_cmd
from wastectl.commands import deploy as deploy_cmd
from wastectl.commands import destroy as destroy_cmd
from wastectl.commands import dev as dev_cmd
from wastectl.commands import fleet as fleet_cmd
from wastectl.commands import infra as infra_cmd
from wastectl.commands import queues as queues_cmd
from wastectl.commands import rebuild as rebuild_cmd
from wastectl.errors import WastectlError
from wastectl.exitcodes import ExitCode
from wastectl.logs import setup_run_log
from wastectl.output import (
    ErrorEntry,
    RunOptions,
    print_error,
    print_json_failure,
    run_options,
    stderr_console,
)

log = logging.getLogger("wastectl")

app = typer.Typer(
    name="wastectl",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
)
app.command("dev", rich_help_panel="Application")(dev_cmd.dev)
app.add_typer(config_cmd.app, name="config", rich_help_panel="Application")
app.add_typer(queues_cmd.app, name="queues", rich_help_panel="Operations")
app.add_typer(data_cmd.app, name="data", rich_help_panel="Application")
fleet_cmd.register(app)
deploy_cmd.register(app)
app.add_typer(cluster_cmd.app, name="cluster", rich_help_panel="Cluster")
app.command("rebuild", rich_help_panel="Cluster")(rebuild_cmd.rebuild)
app.add_typer(infra_cmd.app, name="infra", rich_help_panel="Infrastructure")
app.command("destroy", rich_help_panel="Infrastructure")(destroy_cmd.destroy)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"wastectl {__version__}\n")
        raise typer.Exit()


def _remember_debug(ctx: typer.Context, value: bool) -> bool:
    run = run_options(ctx)
    if run is not None:
        run.debug = value
    return value


@app.callback()
def root(
    ctx: typer.Context,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show tracebacks and debug logs on stderr.",
            envvar="WASTECTL_DEBUG",
            callback=_remember_debug,
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", help="Print the version and exit.", callback=_version, is_eager=True),
    ] = False,
) -> None:
    """Operate the AI Waste Coach: run it locally, deploy it, and look after its cluster.

    Exit codes: 0 ok, 1 failure, 2 usage or configuration error, 3 partial, 130 interrupted.
    Every run writes a log file under $XDG_STATE_HOME/wastectl/logs.
    """
    command = ctx.invoked_subcommand or ""
    path = setup_run_log(command, debug=debug)
    ctx.meta["log_file"] = path


def _show_usage_error(exc: Exception) -> None:
    """Render a Typer/Click usage error the way standalone Typer would (help for a bare group)."""
    show = getattr(exc, "show", None)
    if type(exc).__name__ == "NoArgsIsHelpError" and show is not None:
        show()
        return
    try:
        from typer.rich_utils import rich_format_error

        rich_format_error(exc)  # type: ignore[arg-type]
    except Exception:
        if show is not None:
            show()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and turn every outcome into a documented exit code."""
    run = RunOptions()
    try:
        result = app(args=argv, prog_name="wastectl", standalone_mode=False, obj=run)
    except WastectlError as exc:
        log.error("%s", exc.message, exc_info=run.debug)
        print_error(exc.message, hint=exc.hint)
        if run.json:
            print_json_failure(
                run.command, ErrorEntry(exc.message, code=exc.exit_code.name.lower(), hint=exc.hint)
            )
        sys.exit(int(exc.exit_code))
    except typer.TyperException as exc:
        # Click-level errors (unknown command or option, bad value): exit 2 unless they say otherwise.
        log.info("usage error: %s", exc)
        _show_usage_error(exc)
        sys.exit(int(getattr(exc, "exit_code", ExitCode.USAGE)))
    except (typer.Abort, KeyboardInterrupt):
        print_error("interrupted")
        sys.exit(int(ExitCode.INTERRUPTED))
    except Exception as exc:
        log.exception("unexpected error")
        if run.debug:
            raise
        message, hint = (
            f"unexpected {type(exc).__name__}: {exc}",
            "run again with --debug, or read the log file",
        )
        print_error(message, hint=hint)
        if run.json:
            print_json_failure(run.command, ErrorEntry(message, code="unexpected", hint=hint))
        sys.exit(int(ExitCode.FAILURE))
    if result == ExitCode.INTERRUPTED:
        # Typer turns Ctrl-C into a plain exit 130; say so, so the stop is never silent.
        log.info("interrupted")
        stderr_console().print("interrupted", style="yellow")
    sys.exit(result if isinstance(result, int) else 0)
