"""The image's build stage rehearsed without a Docker engine: the same pip command on the same
build context, then the commands the chart runs, from a directory outside the source tree.

This proves what `docker build` would: the lock resolves the runtime dependencies on their own,
the installed package carries its data (migrations, knowledge base), and the Job and server
entry points start. The base image itself is the one thing not exercised here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.image.support import REPO_ROOT, build_context, parse
from tests.support import services

pytestmark = [pytest.mark.slow, pytest.mark.services]


Result = subprocess.CompletedProcess[str]


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> Result:
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def image_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("image")
    src = root / "src"
    _, stages = parse()
    context = {p.relative_to(REPO_ROOT).as_posix(): p for p in build_context()}
    for copy in stages[0].of("COPY"):
        for source in copy.value[:-1]:
            for relative, path in context.items():
                if relative == source or relative.startswith(source + "/"):
                    target = src / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
    venv = root / "venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WASTE_", "VIRTUAL_ENV", "PYTHON"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    base_python = getattr(sys, "_base_executable", sys.executable)
    assert _run([base_python, "-m", "venv", str(venv)], src, env).returncode == 0
    # The Dockerfile's RUN line, verbatim.
    install = next(c.value[0] for c in stages[0].of("RUN") if "pip install" in c.original)
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
    result = _run(["sh", "-c", install], src, env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return venv


@pytest.fixture
def runtime_env(image_venv: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    server = services.database_server_url()
    problem = services.check_postgres(server)
    if problem:
        services.unavailable("PostgreSQL", server, problem)
    database = services.create_postgres_database(server)
    env = {
        "PATH": f"{image_venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "WASTE_DATA_DIR": str(tmp_path / "data"),
        "WASTE_DATABASE_URL": database,
        # As the chart sets them: the production profile, a real secret (the placeholder is refused).
        "WASTE_ENV": "production",
        "WASTE_JWT_SECRET": "image-test-" + "s" * 40,
    }
    yield env
    services.drop_postgres_database(server, database)


def test_runtime_dependencies_only(image_venv: Path, tmp_path: Path) -> None:
    pip = _run([str(image_venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"], tmp_path, {})
    installed = {line.split("==")[0].lower() for line in pip.stdout.splitlines()}
    assert {"fastapi", "uvicorn", "celery", "sqlalchemy", "wastectl"} <= installed
    assert not installed & {"pytest", "moto", "helm-python-sdk", "kubernetes-validate", "ruff", "mypy"}


def test_migration_job_command_migrates_and_loads_the_knowledge_base(
    runtime_env: dict[str, str], tmp_path: Path
) -> None:
    result = _run(["python", "-m", "api.predeploy"], tmp_path, runtime_env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "migrations applied" in result.stdout and "loaded:" in result.stdout
    again = _run(["python", "-m", "api.predeploy"], tmp_path, runtime_env, timeout=120)
    assert again.returncode == 0 and "0 inserted" in again.stdout, again.stdout


def test_migration_job_refuses_a_missing_database_url(runtime_env: dict[str, str], tmp_path: Path) -> None:
    env = {k: v for k, v in runtime_env.items() if k != "WASTE_DATABASE_URL"}
    result = _run(["python", "-m", "api.predeploy"], tmp_path, env, timeout=60)
    assert result.returncode == 2 and "WASTE_DATABASE_URL is not set" in result.stderr


def test_server_and_worker_entry_points_import(runtime_env: dict[str, str], tmp_path: Path) -> None:
    code = "import api.asgi, workers.main; print(api.asgi.app.title, workers.main.app.main)"
    result = _run(["python", "-c", code], tmp_path, runtime_env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "AI Waste Coach API" in result.stdout
    for tool in ("uvicorn", "celery"):
        assert _run([tool, "--version"], tmp_path, runtime_env).returncode == 0, tool


DRIVER = Path(__file__).with_name("ro_driver.py")


def test_api_and_worker_run_on_a_read_only_root(
    image_venv: Path, runtime_env: dict[str, str], tmp_path: Path, broker_url: str, redis_url: str
) -> None:
    """As in the pod: `/` remounted read-only (a private mount namespace), only a tmpfs writable."""
    from tests.support.cli import free_port

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    driver = DRIVER
    env = {
        **runtime_env, "SCRATCH": str(scratch), "HOME": str(scratch), "WASTE_DATA_DIR": f"{scratch}/data",
        "WASTE_BROKER_URL": broker_url, "WASTE_REDIS_URL": redis_url, "WASTE_REDIS_PREFIX": "waste-rotest:",
        "WASTE_HEARTBEAT_FILE": f"{scratch}/heartbeat", "WASTE_HEARTBEAT_INTERVAL_SECONDS": "1",
        "WASTE_WORKER_METRICS_PORT": str(free_port()), "WASTE_WORKER_METRICS_HOST": "127.0.0.1",
        "API_PORT": str(free_port()),
    }  # fmt: skip
    migrated = _run(["python", "-m", "api.predeploy"], tmp_path, env, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    script = (
        f"mount -o remount,bind,ro / && mount -t tmpfs -o size=64m tmpfs {scratch} && cd {scratch} && "
        f"exec {image_venv / 'bin' / 'python'} {driver}"
    )
    result = _run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], tmp_path, env, 240)
    if result.returncode != 0 and "unshare failed" in result.stderr:
        services.unavailable("mount namespaces", "unshare", result.stderr.strip())
    assert result.returncode == 0, result.stdout + result.stderr
    import json

    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary == {
        "root_writable": False, "healthz": True, "readyz": True, "worker_heartbeat": True,
        "worker_metrics": True, "worker_ready": True, "worker_exit": 0,
    }, summary  # fmt: skip
