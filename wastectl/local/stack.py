"""Bring up the whole application on this machine: the engine behind `wastectl dev`."""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wastectl.errors import UsageError, WastectlError
from wastectl.exitcodes import ExitCode
from wastectl.local.worker import WorkerProcess
from wastectl.settings import redact_url

if TYPE_CHECKING:
    from api.context import AppContext
    from api.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DevOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    worker_concurrency: int = 8
    seed: bool = True


def ensure_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"{host}:{port} is already in use", hint="pick another with --port"
                ) from None
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def prepare(settings: Settings, *, seed: bool, say: Callable[[str], None]) -> AppContext:
    """Migrate the database and load reference and sample data; return the app's context."""
    from sqlalchemy.exc import OperationalError

    from api import migrate
    from api.context import AppContext
    from api.seed import seed_development_data
    from workers.dispatch import CeleryDispatcher  # the API injects it; api does not import workers

    url = settings.resolved_database_url
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WastectlError(
            f"cannot create the data directory {settings.data_dir}: {exc.strerror}",
            hint="set WASTE_DATA_DIR to a writable directory",
        ) from None
    say(f"database  {redact_url(url)}")
    started = time.perf_counter()
    try:
        migrate.upgrade(url)
    except OperationalError as exc:
        raise WastectlError(
            f"cannot migrate the database at {redact_url(url)}: {exc.orig or exc}".strip(),
            hint="is the database running and WASTE_DATABASE_URL right?",
        ) from None
    say(f"migrated  in {time.perf_counter() - started:.1f}s")
    context = AppContext.from_settings(settings, dispatcher_factory=CeleryDispatcher)
    if seed:
        for name, count in seed_development_data(context).items():
            say(f"seeded    {name}: {count}")
    return context


def check_broker(settings: Settings) -> None:
    from kombu import Connection

    assert settings.broker_url is not None
    try:
        with Connection(settings.broker_url, connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
    except Exception as exc:
        raise WastectlError(
            f"cannot reach the broker at {redact_url(settings.broker_url)}: {exc}",
            hint="start RabbitMQ or unset WASTE_BROKER_URL to process tasks in-process",
        ) from None


def serve(context: AppContext, options: DevOptions, *, log_dir: Path, say: Callable[[str], None]) -> int:
    """Serve the API (and a worker when a broker is set) until Ctrl-C; returns the exit code."""
    import uvicorn

    from api.main import create_app
    from workers.queues import worker_queues

    settings = context.settings
    worker: WorkerProcess | None = None
    if settings.broker_url:
        check_broker(settings)
        worker = WorkerProcess(
            queues=worker_queues(),
            concurrency=options.worker_concurrency,
            log_path=log_dir / "dev-worker.log",
        )
        worker.start()
        say(f"worker    celery pid {worker.pid} on {', '.join(worker.queues)} (log {worker.log_path})")
    else:
        say("tasks     in-process (set WASTE_BROKER_URL to use a Celery worker)")

    config = uvicorn.Config(
        create_app(context=context), host=options.host, port=options.port,
        log_level="info", access_log=False, lifespan="on", timeout_graceful_shutdown=5,
    )  # fmt: skip
    server = uvicorn.Server(config)
    exit_code = 0

    def watch() -> None:
        nonlocal exit_code
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            base = f"http://{options.host}:{options.port}"
            say(f"ready     {base}  docs {base}/docs  health {base}/healthz  ready {base}/readyz")
            say("          press Ctrl-C to stop")
        while worker is not None and not server.should_exit:
            code = worker.exit_code()
            if code is not None:
                say(f"[red]celery worker exited with code {code}; see {worker.log_path}[/]")
                exit_code = 1
                server.should_exit = True
            time.sleep(0.5)

    threading.Thread(target=watch, name="dev-watch", daemon=True).start()
    interrupted = False
    try:
        server.run()
    except KeyboardInterrupt:
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        interrupted = True
    finally:
        if worker is not None:
            say("stopping  celery worker")
            worker.stop()
        context.close()
    if interrupted:
        return int(ExitCode.INTERRUPTED)
    if not server.started and exit_code == 0:
        return 1
    return exit_code
