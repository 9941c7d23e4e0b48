"""`wastectl dev`: run the whole application on this machine in one command."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from wastectl import settings as cli_settings
from wastectl.output import OutputFormat, Printer, StreamOutputOption
from wastectl.paths import log_dir


def dev(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    concurrency: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Celery worker threads (only with WASTE_BROKER_URL; scans wait on the LLM)."
        ),
    ] = 8,
    seed: Annotated[bool, typer.Option(help="Load the knowledge base and sample data.")] = True,
    output: StreamOutputOption = OutputFormat.table,
) -> int:
    """Run the API locally: migrate, seed, serve, and process scans.

    Selects WASTE_ENV=development unless WASTE_ENV is set (environment or ./.env); the settings
    default to production. With no other WASTE_* variables set this uses the embedded profile:
    SQLite and images under WASTE_DATA_DIR, tasks in-process, the offline analyser, no external
    calls. Set
    WASTE_DATABASE_URL, WASTE_BROKER_URL, WASTE_REDIS_URL... to use real services; with a
    broker, a real Celery worker subprocess is started and stopped with the server.

    Stop with Ctrl-C: a graceful shutdown (the worker finishes its task), then exit 130.

    Examples:

      wastectl dev

      wastectl dev --port 8080 --no-seed

      WASTE_DATABASE_URL=postgresql://localhost/waste WASTE_BROKER_URL=amqp://guest:guest@localhost//
      wastectl dev
    """
    from wastectl.local.stack import DevOptions, ensure_port_free, prepare, serve

    printer = Printer("dev")
    select_development_profile()
    settings = cli_settings.load(serving=True)
    ensure_port_free(host, port)
    printer.info(f"profile   {', '.join(f'{k}={v}' for k, v in settings.profile().items())}")
    context = prepare(settings, seed=seed, say=printer.info)
    options = DevOptions(host=host, port=port, worker_concurrency=concurrency, seed=seed)
    return serve(context, options, log_dir=log_dir(), say=printer.info)


def select_development_profile() -> None:
    """WASTE_ENV=development unless chosen explicitly; in `os.environ`, so the Celery worker gets it too.

    The settings default to production (placeholder JWT secret refused, dev login off): the
    embedded profile of `wastectl dev` and `make dev` is the one place that relaxes that.
    """
    from dotenv import dotenv_values

    if "WASTE_ENV" not in os.environ and not dotenv_values(".env").get("WASTE_ENV"):
        os.environ["WASTE_ENV"] = "development"
