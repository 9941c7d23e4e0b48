"""A real Celery worker subprocess for tests, plus broker inspection helpers."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

from api.tasks.names import WORK_QUEUES
from wastectl.local.worker import WorkerProcess

REPO_ROOT = Path(__file__).resolve().parents[2]
ALL_QUEUES = ",".join(WORK_QUEUES)


def settings_env(values: dict[str, Any]) -> dict[str, str]:
    """The WASTE_* environment equivalent to `Settings(**values)`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("WASTE_")}
    env.update({f"WASTE_{key.upper()}": str(value) for key, value in values.items()})
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


class CeleryWorker(WorkerProcess):
    """The product's worker process (wastectl/local/worker.py) with the settings as its environment,
    waited for until it is ready, and killable for the crash tests."""

    env: dict[str, str]

    def __init__(self, values: dict[str, Any], log_dir: Path, *, pool: str = "threads", concurrency: int = 8,
                 queues: str = ALL_QUEUES) -> None:  # fmt: skip
        super().__init__(
            queues=queues.split(","), concurrency=concurrency, pool=pool,
            log_path=log_dir / f"worker-{uuid.uuid4().hex[:6]}.log", name=f"test-{uuid.uuid4().hex[:8]}@%h",
            env=settings_env(values), cwd=REPO_ROOT, die_with_parent=False,
        )  # fmt: skip

    def start(self, timeout: float = 30.0) -> CeleryWorker:  # type: ignore[override]  # returns self
        super().start()
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}:\n{self.log()}")
            if " ready." in self.log():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"worker not ready after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole worker (no warm shutdown, no acks): the broker must redeliver."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def queue_depth(broker_url: str, queue: str) -> int:
    from kombu import Connection

    with Connection(broker_url) as conn:
        result = conn.default_channel.queue_declare(queue=queue, passive=True)
        return int(result.message_count)


def purge(broker_url: str, *queues: str) -> None:
    from kombu import Connection

    with Connection(broker_url) as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue)
