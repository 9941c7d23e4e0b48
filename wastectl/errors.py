"""Errors a command raises to end with one clear line on stderr and a documented exit code."""

from __future__ import annotations

from wastectl.exitcodes import ExitCode


class WastectlError(Exception):
    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, hint: str | None = None, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(WastectlError):
    """The command line or the configuration is wrong: exit 2."""

    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    """A WASTE_* setting is invalid."""
