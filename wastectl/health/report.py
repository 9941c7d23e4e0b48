"""Preflight-style output: `[ERROR Id]` / `[WARNING Id]` lines with a fix, then the score."""

from __future__ import annotations

import re

from rich.text import Text

from wastectl.errors import UsageError
from wastectl.health.model import Layer, Status
from wastectl.health.runner import Report
from wastectl.output import Printer

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> float:
    """`90`, `90s`, `5m`, `1h30m` -> seconds; anything else is a usage error."""
    text = text.strip().lower()
    if text.isdigit():
        return float(text)
    match = _DURATION.match(text)
    if not text or not match or not any(match.groups()):
        raise UsageError(f"invalid duration {text!r}", hint="use e.g. 90s, 5m or 1h30m")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


def render(printer: Printer, report: Report) -> None:
    out = printer.out
    out.print(Text(f"[health] {report.target}"))
    if report.api:
        out.print(Text(f"[health] Kubernetes API: {report.api}", style="dim"))
    for result in report.results:
        level = result.level
        if level is None:
            continue
        style = "bold red" if level == "ERROR" else "yellow"
        line = Text(f"[{level} {result.id}]", style=style)
        line.append(f": {result.target}: {result.message}")
        out.print(line)
        if result.fix:
            out.print(Text(f"        fix: {result.fix}", style="dim"))
    for layer in Layer:
        rows = [r for r in report.results if r.layer is layer]
        if not rows:
            continue
        passed = sum(1 for r in rows if r.status is Status.ok)
        skipped = sum(1 for r in rows if r.status is Status.skip)
        extra = f", {skipped} skipped" if skipped else ""
        out.print(Text(f"[{layer}] {passed}/{len(rows) - skipped} checks passed{extra}"))
    if report.ignored:
        out.print(Text(f"[ignored] {', '.join(report.ignored)}", style="dim"))
    verdict = {0: "healthy", 1: "UNHEALTHY", 2: "could not run the checks"}[int(report.exit_code)]
    if report.exit_code == 1 and report.band == "degraded":
        verdict = "DEGRADED"  # errors, but nothing critical down
    if report.exit_code == 0 and report.warnings:
        verdict = "healthy, with warnings"  # warnings lower the score but never fail the run
    out.print(
        Text(
            f"score {report.score}/100: {verdict} ({len(report.errors)} error(s), "
            f"{len(report.warnings)} warning(s))",
            style="bold",
        )
    )
