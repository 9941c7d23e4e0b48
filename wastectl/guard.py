"""Operator safety for the destructive commands (`reset`, `rebuild`, `destroy`, `infra destroy`).

Two rules, the same everywhere:

* without `--yes` the operator types the name of what is destroyed (the command asks);
* with `--yes` nobody is asked, so the cluster must be named on the command line (`--cluster`
  or `WASTECTL_CLUSTER`), never taken from a default, and it must be the cluster the inventory
  or the Terraform state describes. A script aimed at the wrong inventory stops before anything
  is touched.
"""

from __future__ import annotations

import typer

from wastectl.errors import UsageError


def option_given(ctx: typer.Context, name: str) -> bool:
    """True when the command's option `name` came from argv or its environment variable."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT")


def require_named_cluster(ctx: typer.Context, *, yes: bool, command: str, option: str = "cluster") -> None:
    """`--yes` skips the typed confirmation, so it needs an explicit `--cluster NAME`."""
    if yes and not option_given(ctx, option):
        raise UsageError(
            f"{command} --yes needs --cluster NAME (the cluster you mean), not the default",
            hint=f"wastectl {command} ... --cluster NAME --yes",
        )


def require_same_cluster(*, requested: str, actual: str, source: str, command: str) -> None:
    """The cluster named on the command line must be the one the inventory (or state) is about."""
    if requested != actual:
        raise UsageError(
            f"--cluster {requested!r} does not match {source}, which is cluster {actual!r}; "
            "nothing was changed",
            hint=f"wastectl {command} ... --cluster {actual}",
        )
