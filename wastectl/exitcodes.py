"""Exit codes shared by every command (documented in docs/cli.md)."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1
    USAGE = 2  # bad arguments or bad configuration
    PARTIAL = 3  # some targets succeeded, some failed
    INTERRUPTED = 130  # Ctrl-C
