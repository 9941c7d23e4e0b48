"""Run wastectl in-process (for speed) or as a subprocess (signals, ttys), capturing everything."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from wastectl.app import main


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    capsys.readouterr()
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)
