"""Tasks. Each one is a thin shell over a service function in `api.*`."""

from __future__ import annotations

import os
import socket

from celery import shared_task

from api.tasks.names import TaskName


@shared_task(name=TaskName.ping.value, ignore_result=False)
def ping() -> dict[str, object]:
    """Round-trip probe used by health checks and tests: proves a worker consumes the queue."""
    return {"pong": True, "host": socket.gethostname(), "pid": os.getpid()}
