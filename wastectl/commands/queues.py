"""`wastectl queues`: depths, consumers and dead-letter queues; `queues dlq replay` moves them back."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from wastectl import settings as cli_settings
from wastectl.errors import UsageError
from wastectl.output import OutputFormat, OutputOption, Printer

app = typer.Typer(
    help="RabbitMQ queues of the workers: depths, consumers and dead letters.\n\n"
    "Examples:\n\n"
    "  wastectl queues\n\n"
    "  wastectl queues -o json | jq '.data.queues[] | select(.dlq_messages > 0)'\n\n"
    "  wastectl queues dlq replay scan.analyse --limit 10",
)
dlq_app = typer.Typer(
    help="Dead-letter queues (one per work queue, never consumed by workers).", no_args_is_help=True
)
app.add_typer(dlq_app, name="dlq")


def _topology() -> tuple[tuple[str, ...], str, str]:
    from api.tasks.names import DLQ_SUFFIX, WORK_QUEUES
    from workers.queues import default_exchange

    return WORK_QUEUES, DLQ_SUFFIX, str(default_exchange.name)


@app.callback(invoke_without_command=True)
def show(ctx: typer.Context, output: OutputOption = OutputFormat.table) -> None:
    """Show each work queue: ready and unacked messages, consumers, and its DLQ size.

    Reads the RabbitMQ management API (WASTE_RABBITMQ_MANAGEMENT_URL) with the credentials and vhost
    of WASTE_BROKER_URL.

    Examples:

      wastectl queues

      wastectl queues -o json | jq '.data.queues[] | select(.dlq_messages > 0)'
    """
    if ctx.invoked_subcommand is not None:
        return
    from wastectl.queues.management import list_queues, target_from

    settings = cli_settings.load()
    work_queues, suffix, _exchange = _topology()
    target = target_from(settings.broker_url, settings.rabbitmq_management_url)
    rows = list_queues(target, work_queues, suffix)
    data: dict[str, Any] = {"vhost": target.vhost, "queues": [row.as_dict() for row in rows]}

    def render(p: Printer) -> None:
        p.table(
            f"Queues on vhost {target.vhost}",
            ["queue", "ready", "unacked", "consumers", "dlq", "dead letters"],
            [(r.queue, r.ready, r.unacked, r.consumers, r.dlq, r.dlq_messages) for r in rows],
        )
        missing = [r.queue for r in rows if not r.declared]
        if missing:
            p.info(
                f"not declared on vhost {target.vhost} (queue or its DLQ): {', '.join(missing)}; "
                "a worker declares the whole topology when it starts"
            )
        if any(r.dlq_messages for r in rows):
            p.info("dead letters waiting: inspect the worker logs, then `wastectl queues dlq replay QUEUE`")

    Printer("queues", output).result(data, render)


@dlq_app.command("replay")
def replay(
    queue: Annotated[
        str, typer.Argument(help="Work queue whose dead letters to move back, e.g. scan.analyse.")
    ],
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", help="Move at most N messages (N >= 1).")
    ] = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Move dead-lettered messages from QUEUE.dlq back to QUEUE (acked only after a confirmed publish).

    Examples:

      wastectl queues dlq replay scan.analyse --limit 10

      wastectl queues dlq replay scan.analyse
    """
    from wastectl.queues.replay import replay as run_replay

    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1, got {limit}")
    work_queues, suffix, exchange = _topology()
    if queue.endswith(suffix):
        queue = queue.removesuffix(suffix)
    if queue not in work_queues:
        raise UsageError(f"unknown queue {queue!r}", hint=f"one of: {', '.join(work_queues)}")
    settings = cli_settings.load()
    if not settings.broker_url:
        raise UsageError("WASTE_BROKER_URL is not set: there are no queues on the embedded profile")
    moved = run_replay(settings.broker_url, queue=queue, dlq=queue + suffix, exchange=exchange, limit=limit)
    data = {"queue": queue, "dlq": queue + suffix, "replayed": moved}
    Printer("queues dlq replay", output).result(
        data, lambda p: p.info(f"replayed {moved} message(s) from {queue + suffix} to {queue}")
    )
