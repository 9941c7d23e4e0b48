"""Live progress from ansible-runner events: current play and task, per-host counts, elapsed time.

`Progress` folds events into state (no output); `LiveDisplay` draws it with Rich on a terminal,
`LineDisplay` prints one line per play, task and failure when stderr is not a terminal (CI, logs).
Failed tasks are shown as host, task and the module's message, never the raw JSON.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


@dataclass
class HostCounts:
    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class Failure:
    host: str
    task: str
    message: str
    unreachable: bool = False

    def line(self) -> str:
        kind = "UNREACHABLE" if self.unreachable else "FAILED"
        return f"{kind} {self.host} | {self.task} | {self.message}"


def _message(res: dict[str, Any]) -> str:
    """The module's own words: msg, plus the tail of stderr for commands (no JSON dump)."""
    failed_items = [r for r in res.get("results") or [] if isinstance(r, dict) and r.get("failed")]
    if failed_items:  # a loop: the first failed item's own message, named by its item
        item = failed_items[0]
        label = item.get("_ansible_item_label", item.get("item"))
        return f"item {label}: {_message(item)}"
    parts = [str(res.get("msg") or "").strip()]
    for key in ("stderr", "module_stderr"):
        text = str(res.get(key) or "").strip()
        if text:
            parts.append(text.splitlines()[-1][:300])
            break
    return " ".join(" - ".join(p for p in parts if p).split()) or "failed (no message)"


@dataclass
class Progress:
    started: float = field(default_factory=time.monotonic)
    play: str = ""
    task: str = ""
    plays: list[str] = field(default_factory=list)
    tasks_started: int = 0
    hosts: dict[str, HostCounts] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def _host(self, name: str) -> HostCounts:
        return self.hosts.setdefault(name, HostCounts())

    def handle(self, event: dict[str, Any]) -> str | None:
        """Fold one runner event in; return what a line display should print, if anything."""
        kind = event.get("event", "")
        data = event.get("event_data") or {}
        if kind == "playbook_on_play_start":
            self.play = str(data.get("play") or data.get("name") or "")
            self.plays.append(self.play)
            return f"PLAY {self.play}"
        if kind == "playbook_on_task_start":
            role = data.get("role")
            name = str(data.get("task") or data.get("name") or "")
            self.task = f"{role} : {name}" if role and not name.startswith(f"{role} :") else name
            self.tasks_started += 1
            return f"TASK {self.task}"
        host = str(data.get("host") or "")
        if not host:
            return None
        counts = self._host(host)
        res = data.get("res") or {}
        task = self.task or str(data.get("task") or "")
        if kind == "runner_on_ok":
            counts.ok += 1
            counts.changed += 1 if res.get("changed") else 0
        elif kind == "runner_on_skipped":
            counts.skipped += 1
        elif kind == "runner_on_failed":
            if data.get("ignore_errors"):
                counts.ok += 1
                return None
            counts.failed += 1
            failure = Failure(host, task, _message(res))
            self.failures.append(failure)
            return failure.line()
        elif kind == "runner_on_unreachable":
            counts.unreachable += 1
            failure = Failure(host, task, _message(res), unreachable=True)
            self.failures.append(failure)
            return failure.line()
        return None

    def totals(self) -> dict[str, dict[str, int]]:
        return {host: asdict(counts) for host, counts in sorted(self.hosts.items())}

    def render(self) -> RenderableType:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        head = Text.assemble(
            ("play ", "bold"),
            (self.play or "-", ""),
            ("   task ", "bold"),
            (self.task or "-", "cyan"),
            (f"   {self.elapsed:5.1f}s", "dim"),
        )
        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in ("host", "ok", "changed", "failed", "unreachable", "skipped"):
            table.add_column(column, justify="left" if column == "host" else "right")
        for host, c in sorted(self.hosts.items()):
            table.add_row(
                host, str(c.ok), str(c.changed), str(c.failed or ""), str(c.unreachable or ""), str(c.skipped)
            )
        items: list[RenderableType] = [head, table]
        items.extend(Text(f.line(), style="red") for f in self.failures[-5:])
        return Group(*items)


class LineDisplay:
    """One line per play, task and failure (stderr is not a terminal)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def __enter__(self) -> LineDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, progress: Progress, line: str | None) -> None:
        if line is not None:
            from rich.text import Text

            self.console.print(Text(f"[{progress.elapsed:6.1f}s] {line}"))


class LiveDisplay:
    """A Rich Live panel, redrawn on every event."""

    def __init__(self, console: Console, progress: Progress) -> None:
        from rich.live import Live

        self.live = Live(progress.render(), console=console, refresh_per_second=8, transient=False)

    def __enter__(self) -> LiveDisplay:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(None, None, None)

    def update(self, progress: Progress, line: str | None) -> None:
        self.live.update(progress.render())
