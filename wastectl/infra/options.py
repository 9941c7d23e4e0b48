"""Options and prompts shared by `wastectl infra` and `wastectl destroy` (no heavy imports)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from wastectl.errors import UsageError, WastectlError
from wastectl.output import Printer

EnvOption = Annotated[
    str, typer.Option("--env", "-e", help="Environment: terraform/envs/NAME.", envvar="WASTECTL_ENV")
]
DirOption = Annotated[
    Path | None,
    typer.Option("--dir", help="Environment directory (overrides --env).", envvar="WASTECTL_TERRAFORM_DIR"),
]
ClusterOption = Annotated[
    str, typer.Option("--cluster", help="Cluster name (-var cluster_name).", envvar="WASTECTL_CLUSTER")
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
VarOption = Annotated[
    list[str] | None, typer.Option("--var", help="Terraform variable NAME=VALUE (repeatable).")
]

DEFAULT_CLUSTER = "sesacthon"


def env_dir(env: str, directory: Path | None) -> Path:
    """--dir, else terraform/envs/ENV under the current directory, else under this checkout."""
    if directory is not None:
        return directory
    if not env or "/" in env or env.startswith("."):
        raise UsageError(f"invalid environment name {env!r}", hint="use --dir PATH for a directory")
    here = Path.cwd() / "terraform" / "envs" / env
    if here.is_dir():
        return here
    checkout = Path(__file__).resolve().parents[2] / "terraform" / "envs" / env
    if checkout.is_dir():
        return checkout
    raise UsageError(
        f"no environment {env!r}: neither {here} nor {checkout} exists",
        hint="run from the repository root, or pass --dir PATH",
    )


def parse_vars(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--var {item!r}: expected NAME=VALUE")
        if name.strip() == "cluster_name":
            raise UsageError("--var cluster_name: use --cluster")
        out[name.strip()] = value
    return out


def confirm(printer: Printer, question: str, *, expected: str | None = None) -> None:
    """`expected` set: the answer must be exactly that text; otherwise y or yes."""
    from rich.text import Text

    prompt = f"{question} Type {expected!r} to continue:" if expected else f"{question} [y/N]:"
    printer.err.print(Text(prompt))
    answer = sys.stdin.readline().strip()
    ok = answer == expected if expected else answer.lower() in ("y", "yes")
    if not ok:
        raise WastectlError(
            f"aborted: {'typed ' + repr(answer) if answer else 'no confirmation'}; nothing was changed",
            hint="pass --yes to skip the question (scripts)",
        )
