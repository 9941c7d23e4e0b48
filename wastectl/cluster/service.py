"""`cluster bootstrap` as a function (the command and the rebuild's bootstrap stage both call it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wastectl.cluster.progress import LineDisplay, LiveDisplay, Progress
from wastectl.cluster.runner import BootstrapOptions, BootstrapResult, run_site
from wastectl.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from wastectl.nodes.model import Inventory


def parse_extra_vars(items: list[str] | None) -> dict[str, Any]:
    """`-e KEY=VALUE` (value parsed as YAML) or `-e @file.yml`, later ones winning."""
    import yaml

    out: dict[str, Any] = {}
    for item in items or []:
        if item.startswith("@"):
            path = Path(item[1:]).expanduser()
            try:
                loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError) as exc:
                raise UsageError(f"--extra-vars {item}: cannot read ({exc})") from None
            if not isinstance(loaded, dict):
                raise UsageError(f"--extra-vars {item}: expected a YAML mapping")
            out.update(loaded)
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--extra-vars {item!r}: expected KEY=VALUE or @FILE")
        out[key.strip()] = yaml.safe_load(value) if value else ""
    return out


def bootstrap(inventory: Inventory, options: BootstrapOptions, console: Console | None) -> BootstrapResult:
    """Run site.yml with live progress on `console` (None: silent, for --output json)."""
    if console is None:
        return run_site(inventory, options)
    progress_box: list[Any] = []

    def on_event(progress: Progress, line: str | None) -> None:
        if not progress_box:
            return
        progress_box[0].update(progress, line)

    display: LineDisplay | LiveDisplay
    display = LiveDisplay(console, Progress()) if console.is_terminal else LineDisplay(console)
    with display:
        progress_box.append(display)
        return run_site(inventory, options, on_event=on_event)
