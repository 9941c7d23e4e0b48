"""Command-line options shared by every fleet command (nodes, ssh, exec, health, reset, known-hosts).

`@fleet_options` appends the inventory and SSH options to a command's signature and hands the
command one `FleetArgs` instead, so the shared options are declared once. No heavy imports here.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from wastectl.fleet.inventory import InventoryOptions, Source

PANEL = "Inventory and SSH"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class FleetArgs:
    inventory: InventoryOptions
    accept_new: bool

    def resolve(self) -> Any:
        """The inventory; whatever its source found odd is said on stderr (never on stdout)."""
        from wastectl.fleet.inventory import resolve
        from wastectl.output import stderr_console

        inventory = resolve(self.inventory)
        if inventory.warnings:
            from rich.text import Text

            console = stderr_console()
            for warning in inventory.warnings:
                console.print(Text("warning: ", style="yellow") + Text(warning))
        return inventory


def _opt(*decls: str, help: str, envvar: str | None = None, **kw: Any) -> Any:
    return typer.Option(*decls, help=help, envvar=envvar, rich_help_panel=PANEL, **kw)


_PARAMS: list[tuple[str, Any, Any]] = [
    (
        "cluster",
        Annotated[
            str,
            _opt("--cluster", help="Cluster name (tag value, known_hosts file).", envvar="WASTECTL_CLUSTER"),
        ],
        "sesacthon",
    ),
    (
        "source",
        Annotated[
            Source,
            _opt(
                "--source",
                help="Inventory source; auto tries static, terraform, ec2.",
                envvar="WASTECTL_INVENTORY_SOURCE",
                case_sensitive=False,
            ),
        ],
        Source.auto,
    ),
    (
        "inventory_file",
        Annotated[
            Path | None, _opt("--inventory", help="Static inventory YAML file.", envvar="WASTECTL_INVENTORY")
        ],
        None,
    ),
    (
        "tf_outputs",
        Annotated[
            Path | None,
            _opt("--tf-outputs", help="`terraform output -json` file.", envvar="WASTECTL_TF_OUTPUTS"),
        ],
        None,
    ),
    (
        "region",
        Annotated[str | None, _opt("--region", help="AWS region for the EC2 source.", envvar="AWS_REGION")],
        None,
    ),
    (
        "endpoint_url",
        Annotated[
            str | None,
            _opt("--aws-endpoint-url", help="EC2 endpoint URL override.", envvar="WASTECTL_AWS_ENDPOINT_URL"),
        ],
        None,
    ),
    (
        "tag_key",
        Annotated[
            str,
            _opt(
                "--tag-key", help="EC2 tag key that marks the cluster's instances.", envvar="WASTECTL_TAG_KEY"
            ),
        ],
        "Cluster",
    ),
    (
        "tag_value",
        Annotated[
            str | None,
            _opt(
                "--tag-value",
                help="EC2 tag value (default: the cluster name).",
                envvar="WASTECTL_TAG_VALUE",
            ),
        ],
        None,
    ),
    (
        "ssh_user",
        Annotated[
            str | None, _opt("--user", "-l", help="SSH user (default ubuntu).", envvar="WASTECTL_SSH_USER")
        ],
        None,
    ),
    (
        "ssh_key",
        Annotated[Path | None, _opt("--key", "-i", help="SSH private key file.", envvar="WASTECTL_SSH_KEY")],
        None,
    ),
    (
        "ssh_port",
        Annotated[
            int | None,
            _opt("--port", "-p", help="SSH port (default 22).", min=1, max=65535, envvar="WASTECTL_SSH_PORT"),
        ],
        None,
    ),
    (
        "jump",
        Annotated[
            str | None,
            _opt("--jump", "-J", help="Bastion as \\[user@]host\\[:port].", envvar="WASTECTL_SSH_JUMP"),
        ],
        None,
    ),
    (
        "connect_timeout",
        Annotated[
            float | None,
            _opt(
                "--connect-timeout",
                min=0.1,
                help="TCP connect/banner/auth timeout in seconds.",
                envvar="WASTECTL_SSH_TIMEOUT",
            ),
        ],
        None,
    ),
    (
        "agent",
        Annotated[
            bool | None, _opt("--agent/--no-agent", help="Use ssh-agent keys.", envvar="WASTECTL_SSH_AGENT")
        ],
        None,
    ),
    (
        "accept_new",
        Annotated[
            bool,
            _opt("--accept-new", help="Trust and record unknown host keys (a changed key is still refused)."),
        ],
        False,
    ),
]


def fleet_options(func: F) -> F:
    """Decorate a command taking `fleet: FleetArgs`; the CLI sees the shared options instead."""
    sig = inspect.signature(func, eval_str=True)
    own = [p for p in sig.parameters.values() if p.name != "fleet"]
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=ann, default=default)
        for name, ann, default in _PARAMS
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name, _, _ in _PARAMS}
        timeout = values["connect_timeout"]
        ssh: dict[str, Any] = {
            "user": values["ssh_user"],
            "key": values["ssh_key"].expanduser() if values["ssh_key"] else None,
            "port": values["ssh_port"],
            "jump": values["jump"],
            "agent": values["agent"],
            "connect_timeout": timeout,
            "banner_timeout": timeout,
            "auth_timeout": timeout,
        }
        options = InventoryOptions(
            cluster=values["cluster"],
            source=values["source"],
            inventory_file=values["inventory_file"],
            tf_outputs=values["tf_outputs"],
            region=values["region"],
            endpoint_url=values["endpoint_url"],
            cluster_tag=values["tag_key"],
            cluster_tag_value=values["tag_value"],
            ssh={k: v for k, v in ssh.items() if v is not None},
        )
        kwargs["fleet"] = FleetArgs(inventory=options, accept_new=values["accept_new"])
        return func(*args, **kwargs)

    params = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY) if p.kind is inspect.Parameter.VAR_KEYWORD else p
        for p in own
    ]
    wrapper.__signature__ = sig.replace(parameters=[*params, *extra])  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
