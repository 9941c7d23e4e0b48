"""Console entry point. `--version` is answered before Typer (and anything heavy) is imported."""

from __future__ import annotations

import sys


def run() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from wastectl import __version__

        sys.stdout.write(f"wastectl {__version__}\n")
        return
    from wastectl.app import main

    main()
