"""The values of a deploy: `-f` files, `--set` pairs and the image tag, checked against the chart's
values.schema.json locally, before anything contacts the cluster.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from wastectl.errors import UsageError


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of user values: maps merge key by key, everything else replaces."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def load_files(paths: list[Path]) -> dict[str, Any]:
    import yaml

    values: dict[str, Any] = {}
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot read values file {path}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise UsageError(f"values file {path} is not valid YAML: {' '.join(str(exc).split())}") from None
        if data is None:
            continue
        if not isinstance(data, dict):
            raise UsageError(f"values file {path} must hold a mapping, not a {type(data).__name__}")
        values = deep_merge(values, data)
    return values


def parse_sets(pairs: list[str]) -> dict[str, Any]:
    import helm_python

    values: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"--set {pair!r} is not key=value", hint="e.g. --set api.replicas=3")
        try:
            parsed = helm_python.parse_set_string(pair)
        except helm_python.HelmError as exc:
            raise UsageError(f"--set {pair!r}: {' '.join(str(exc).split())}") from None
        values = deep_merge(values, parsed)
    return values


def current_commit(repo: Path | None = None) -> str:
    """The image tag CI pushes for this checkout: the full commit SHA."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        result = None
    if result is None or result.returncode != 0 or not result.stdout.strip():
        raise UsageError("cannot tell the current commit for the image tag", hint="pass --tag TAG")
    return result.stdout.strip()


def build_values(files: list[Path], sets: list[str], tag: str | None) -> dict[str, Any]:
    from wastectl.deploy.target import require_helm

    require_helm()
    values = deep_merge(load_files(files), parse_sets(sets))
    if tag is not None:
        values = deep_merge(values, {"image": {"tag": tag}})
    elif not (values.get("image") or {}).get("tag"):
        values = deep_merge(values, {"image": {"tag": current_commit()}})
    return values


def check_schema(chart_path: Path, values: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(chart name, chart version, the values an install would really use); schema errors are usage
    errors naming the path of each wrong value."""
    import helm_python

    if not (chart_path / "Chart.yaml").is_file():
        raise UsageError(f"{chart_path} is not a Helm chart (no Chart.yaml)", hint="pass --chart PATH")
    try:
        with helm_python.Chart.load(str(chart_path)) as chart:
            chart.validate_schema(values)
            return str(chart.name), str(chart.version), dict(chart.merge_values(values))
    except helm_python.HelmValuesError as exc:
        lines = [line.strip("- ").strip() for line in str(exc).splitlines()[1:] if line.strip()]
        raise UsageError(
            "values violate the chart's values.schema.json: " + "; ".join(lines or [str(exc)]),
            hint="fix the values; nothing was sent to the cluster",
        ) from None
    except helm_python.HelmError as exc:
        raise UsageError(f"cannot load chart {chart_path}: {' '.join(str(exc).split())}") from None
