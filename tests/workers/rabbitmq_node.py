"""A throwaway RabbitMQ node (own ports, dirs and node name) that a test may restart.

Restarting the shared broker would break parallel test runs, so the restart test gets its own
node, started the way toolchain.md §3c describes (as the `rabbitmq` user via the packaged scripts).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def available() -> str | None:
    """None when a node can be started here, else the reason."""
    if shutil.which("rabbitmq-server") is None or shutil.which("rabbitmqctl") is None:
        return "rabbitmq-server is not installed"
    if os.geteuid() != 0:
        return "starting a RabbitMQ node needs root (the packaged scripts switch to the rabbitmq user)"
    try:
        pwd.getpwnam("rabbitmq")
    except KeyError:
        return "no rabbitmq user"
    return None


class RabbitNode:
    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="waste-rmq-"))
        self.name = f"wastetest{uuid.uuid4().hex[:8]}@localhost"
        self.port = _free_port()
        dist_port = _free_port()
        (self.base / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        (self.base / "enabled_plugins").write_text("[].\n")
        for sub in ("mnesia", "log"):
            (self.base / sub).mkdir()
        user = pwd.getpwnam("rabbitmq")
        for path in [self.base, *self.base.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(dist_port),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.base / "node.pid"),
        }

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self, timeout: float = 60.0) -> None:
        from kombu import Connection

        subprocess.run(["rabbitmq-server", "-detached"], env=self.env, check=True, capture_output=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with Connection(self.url, connect_timeout=1) as conn:
                    conn.ensure_connection(max_retries=0)
                    return
            except Exception:
                time.sleep(0.3)
        raise RuntimeError(f"RabbitMQ node {self.name} did not start in {timeout}s")

    def stop(self) -> None:
        subprocess.run(
            ["rabbitmqctl", "-n", self.name, "shutdown"],
            env=self.env,
            capture_output=True,
            timeout=60,
            check=False,
        )

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop()
        pid_file = self.base / "node.pid"
        if pid_file.exists():  # shutdown failed: kill the node we started, by its pid
            with contextlib.suppress(ValueError, ProcessLookupError):
                os.kill(int(pid_file.read_text().strip()), 9)
        shutil.rmtree(self.base, ignore_errors=True)
