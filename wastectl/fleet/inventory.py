"""One resolver for the cluster's nodes: a static YAML file, Terraform outputs, or EC2 tags.

Sources are tried in this order unless one is forced with `--source`:

1. static   `--inventory PATH`, else `$XDG_CONFIG_HOME/wastectl/inventory.yaml`
2. terraform `--tf-outputs PATH`, else `$XDG_STATE_HOME/wastectl/terraform/<cluster>/outputs.json`
   (the `terraform output -json` file `wastectl infra apply` saves)
3. ec2      instances in any live state tagged `<--tag-key>=<--tag-value>` (default
   `Cluster=<cluster>`), else named `k8s-*` with a warning (only tried when AWS credentials are
   configured, or forced with `--source ec2`)

Nothing here knows how many nodes a cluster has: the predecessor's scripts broke every time it grew.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from wastectl.errors import UsageError, WastectlError
from wastectl.exitcodes import ExitCode
from wastectl.nodes.model import Inventory, Node, SSHConfig
from wastectl.paths import state_dir


class Source(StrEnum):
    auto = "auto"
    static = "static"
    terraform = "terraform"
    ec2 = "ec2"


@dataclass(frozen=True)
class InventoryOptions:
    cluster: str = "sesacthon"
    source: Source = Source.auto
    inventory_file: Path | None = None
    tf_outputs: Path | None = None
    region: str | None = None
    endpoint_url: str | None = None  # EC2 endpoint (tests: a moto server)
    cluster_tag: str = "Cluster"
    cluster_tag_value: str | None = None  # default: the cluster name
    ssh: dict[str, Any] = field(default_factory=dict)  # SSHConfig overrides from the command line


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "wastectl"


def default_static_path() -> Path:
    return config_dir() / "inventory.yaml"


def default_tf_outputs_path(cluster: str) -> Path:
    return state_dir() / "terraform" / cluster / "outputs.json"


def _aws_configured() -> bool:
    if os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"):
        return True
    aws = Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or Path.home() / ".aws" / "credentials")
    return aws.is_file()


def resolve(options: InventoryOptions) -> Inventory:
    """Return the first source that has nodes; if none does, say which sources were tried."""
    from wastectl.fleet import sources

    tried: list[str] = []
    want = options.source
    if want in (Source.auto, Source.static):
        path = options.inventory_file or default_static_path()
        if options.inventory_file is not None or path.is_file():
            return sources.load_static(path, options)
        tried.append(f"static inventory {path} (no such file)")
    if want in (Source.auto, Source.terraform):
        path = options.tf_outputs or default_tf_outputs_path(options.cluster)
        if options.tf_outputs is not None or path.is_file():
            return sources.load_terraform(path, options)
        tried.append(f"terraform outputs {path} (no such file)")
    if want is Source.ec2 or (want is Source.auto and (_aws_configured() or options.endpoint_url)):
        inventory = sources.load_ec2(options)
        if inventory.nodes:
            return inventory
        value = options.cluster_tag_value or options.cluster
        tried.append(
            f"EC2 {inventory.source}: no instance tagged {options.cluster_tag}={value} "
            "and none named k8s-* (pending, running, stopping or stopped)"
        )
    elif want is Source.auto:
        tried.append("EC2 (skipped: no AWS credentials configured)")
    raise WastectlError(
        f"no inventory found for cluster {options.cluster!r}; tried: " + "; ".join(tried),
        hint="pass --inventory FILE (static YAML), --tf-outputs FILE, or --source ec2 with AWS credentials "
        "(--tag-key/--tag-value when the instances carry another tag than Cluster=<cluster>)",
        exit_code=ExitCode.USAGE,
    )


def ssh_defaults(raw: dict[str, Any] | None, options: InventoryOptions) -> SSHConfig:
    """SSH settings: built-in defaults < the inventory file's `ssh:` block < command-line options."""
    base = SSHConfig()
    if raw:
        base = base.merged(**_ssh_fields(raw))
    return base.merged(**options.ssh)


SSH_KEYS = frozenset(
    {"user", "port", "key", "jump", "connect_timeout", "banner_timeout", "auth_timeout", "agent"}
)


def _ssh_fields(raw: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(raw) - SSH_KEYS)
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(SSH_KEYS))}")
    out: dict[str, Any] = {}
    for key in ("user", "jump"):
        if raw.get(key) is not None:
            out[key] = str(raw[key])
    if raw.get("port") is not None:
        out["port"] = int(raw["port"])
    if raw.get("key") is not None:
        out["key"] = Path(str(raw["key"])).expanduser()
    for key in ("connect_timeout", "banner_timeout", "auth_timeout"):
        if raw.get(key) is not None:
            out[key] = float(raw[key])
    if raw.get("agent") is not None:
        out["agent"] = bool(raw["agent"])
    return out


def node_from(name: str, role: str, host: str | None, ssh: SSHConfig, **extra: Any) -> Node | None:
    if not host:
        return None
    return Node(name=name, role=role, host=host, ssh=ssh, **extra)


def bad_file(path: Path, problem: str) -> UsageError:
    return UsageError(f"invalid inventory {path}: {problem}")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise bad_file(path, "no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_file(path, f"not JSON ({exc})") from None
