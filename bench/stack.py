"""The deployed shape on this machine, isolated, for benchmarks: uvicorn with N worker processes,
Celery workers (threads pool) per queue group, the fake model in its own process, and a private
PostgreSQL database, RabbitMQ vhost and Redis prefix that are removed afterwards.

Used by `bench/scan_throughput.py` and `bench/api_endpoints.py`; needs the services the tests use
(PostgreSQL, RabbitMQ, Redis on 127.0.0.1, overridable with the WASTE_TEST_* variables).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from tests.support import services
from tests.support.cli import free_port
from tests.support.processes import children_of
from tests.workers.support import REPO_ROOT, CeleryWorker, settings_env


@dataclass
class StackConfig:
    api_workers: int = 2
    api_threads: int = 40
    analyse_concurrency: int = 128
    post_concurrency: int = 8
    model_median: float = 5.6
    model_p90: float = 8.9
    seed: bool = False  # the knowledge base and the synthetic collection points (`wastectl dev`'s seed)
    settings: dict[str, Any] = field(default_factory=dict)


class Stack:
    """`with Stack(config) as stack:` -> `stack.base_url` answers; everything is gone afterwards."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: list[subprocess.Popen[bytes]] = []
        self.servers: dict[str, list[subprocess.Popen[bytes]]] = {}  # by role: api, hello, model
        self.workers: list[CeleryWorker] = []
        self.logs = Path(tempfile.mkdtemp(prefix="waste-bench-"))
        self.server = services.database_server_url()
        self.database_url = ""
        self.vhost: str | None = None
        self.base_url = ""
        self.model_url = ""
        self.values: dict[str, Any] = {}

    # --- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> Stack:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, *_exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self.close()

    def _start(self) -> None:
        from api import migrate

        self.database_url = services.create_postgres_database(self.server)
        migrate.upgrade(self.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        self.vhost = services.create_vhost(services.broker_server_url())
        broker = services.broker_server_url()
        self.broker_url = services.with_vhost(broker, self.vhost) if self.vhost else broker
        self.model_url = self._start_model()
        self.values = {
            "env": "development", "rate_limits_enabled": False,  # measure throughput, not limits
            "data_dir": str(self.logs / "data"), "database_url": self.database_url,
            "broker_url": self.broker_url, "redis_url": services.redis_server_url(),
            "redis_prefix": f"waste-bench-{uuid.uuid4().hex[:6]}:", "analyser": "openai",
            "openai_api_key": "sk-test", "openai_base_url": self.model_url, "openai_timeout_seconds": 60,
            "scan_daily_quota": 1_000_000, "scan_cache_ttl_seconds": 0, "log_level": "WARNING",
            "api_threads": self.config.api_threads, **self.config.settings,
        }  # fmt: skip
        if self.config.seed:
            self._seed()
        self.base_url = self._start_api()
        self.workers.append(
            CeleryWorker(
                self.values, self.logs, concurrency=self.config.analyse_concurrency, queues="scan.analyse"
            )
        )
        self.workers.append(
            CeleryWorker(self.values, self.logs, concurrency=self.config.post_concurrency,
                         queues="scan.post,batch,default")
        )  # fmt: skip
        for worker in self.workers:
            worker.start(timeout=60)

    def _seed(self) -> None:
        from api.context import AppContext
        from api.seed import seed_development_data
        from api.settings import Settings

        context = AppContext.from_settings(Settings(_env_file=None, **self.values))  # type: ignore[call-arg]
        try:
            seed_development_data(context)
        finally:
            context.close()

    def _spawn(self, argv: list[str], name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        self.processes.append(process)
        return process

    def _start_model(self) -> str:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        argv = [sys.executable, "-m", "bench.fake_model", "--median", str(self.config.model_median),
                "--p90", str(self.config.model_p90)]  # fmt: skip
        process = self._spawn(argv, "model", env)
        self.servers["model"] = [process]
        deadline = time.monotonic() + 20
        log = self.logs / "model.log"
        while time.monotonic() < deadline:
            for line in log.read_text().splitlines():
                if line.startswith("port="):
                    return f"http://127.0.0.1:{line.split('=', 1)[1]}/v1"
            if process.poll() is not None:
                raise RuntimeError(f"fake model exited:\n{log.read_text()}")
            time.sleep(0.05)
        raise RuntimeError("fake model did not start")

    def _serve(self, app: str, name: str, env: dict[str, str]) -> str:
        """`api_workers` processes of `app` on one port (bench/reuseport_server.py says why)."""
        port = free_port()
        for index in range(self.config.api_workers):
            argv = [sys.executable, "-m", "bench.reuseport_server", app, "--port", str(port)]
            self.servers.setdefault(name, []).append(self._spawn(argv, f"{name}{index}", env))
        return f"http://127.0.0.1:{port}"

    def _wait_until_up(self, name: str, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in self.servers[name]:
                if process.poll() is not None:
                    logs = "".join(p.read_text() for p in sorted(self.logs.glob(f"{name}*.log")))
                    raise RuntimeError(f"{name} exited:\n{logs}")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not answer {url}")

    def _start_api(self) -> str:
        url = self._serve("api.asgi:app", "api", settings_env(self.values))
        self._wait_until_up("api", f"{url}/healthz", 60)
        return url

    def start_hello(self) -> str:
        """The bare-Starlette ceiling on the same server settings as the API."""
        url = self._serve("bench.hello_app:app", "hello", {**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        self._wait_until_up("hello", url, 30)
        return url

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by each of our processes and their children.

        Unlike wall time this hardly depends on what else the machine runs, so CPU per scan says
        whether a rate fits in the cores, even on a busy machine.
        """
        ticks = os.sysconf("SC_CLK_TCK")
        named: dict[str, list[subprocess.Popen[bytes]]] = {
            "api": self.servers.get("api", []), "model": self.servers.get("model", [])
        }  # fmt: skip
        for index, worker in enumerate(self.workers):
            named[f"worker{index}"] = [worker.process] if worker.process is not None else []
        totals = {}
        for name, processes in named.items():
            if not processes:
                continue
            pids = {pid for process in processes for pid in {process.pid} | children_of(process.pid)}
            total = 0
            for pid in pids:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                total += int(fields[11]) + int(fields[12])  # utime, stime
            totals[name] = total / ticks
        return totals

    def model_seconds(self) -> dict[str, float]:
        base = self.model_url.removesuffix("/v1")
        seconds: dict[str, float] = httpx.get(f"{base}/_stats", timeout=30).json()["model_seconds"]
        return seconds

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        if self.vhost:
            services.delete_vhost(self.vhost)
        if self.database_url:
            services.drop_postgres_database(self.server, self.database_url)
        # Logs, the local object store and its images; WASTE_BENCH_KEEP_LOGS=1 keeps them to look at.
        if os.environ.get("WASTE_BENCH_KEEP_LOGS") != "1":
            shutil.rmtree(self.logs, ignore_errors=True)
