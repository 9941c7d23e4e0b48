"""The fleet's data model: nodes, SSH settings and the resolved inventory."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wastectl.errors import UsageError

#: Roles reset and health treat specially; any other role string is accepted as-is.
CONTROL_PLANE_ROLES = frozenset({"master", "control-plane", "controlplane"})
#: EC2 states in which an instance belongs to the cluster but cannot be reached.
NOT_RUNNING = frozenset({"stopped", "stopping", "pending"})


@dataclass(frozen=True)
class SSHConfig:
    """How to reach a node: every field may come from the inventory, a config file or an option."""

    user: str = "ubuntu"
    port: int = 22
    key: Path | None = None
    jump: str | None = None  # [user@]host[:port] of a bastion
    connect_timeout: float = 10.0
    banner_timeout: float = 10.0
    auth_timeout: float = 10.0
    agent: bool = True

    def merged(self, **overrides: Any) -> SSHConfig:
        """A copy with every override that is not None applied."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class Node:
    name: str
    role: str
    host: str  # the address wastectl connects to (public IP, or the static host)
    ssh: SSHConfig = field(default_factory=SSHConfig)
    instance_id: str | None = None
    public_ip: str | None = None
    private_ip: str | None = None
    state: str | None = None
    instance_type: str | None = None
    availability_zone: str | None = None
    launch_time: str | None = None

    @property
    def is_control_plane(self) -> bool:
        return self.role.lower() in CONTROL_PLANE_ROLES

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "host": self.host,
            "port": self.ssh.port,
            "user": self.ssh.user,
            "instance_id": self.instance_id,
            "public_ip": self.public_ip,
            "private_ip": self.private_ip,
            "state": self.state,
            "instance_type": self.instance_type,
            "availability_zone": self.availability_zone,
            "launch_time": self.launch_time,
        }


@dataclass(frozen=True)
class Inventory:
    cluster: str
    source: str  # "static:<path>", "terraform:<path>" or "ec2:<region>"
    nodes: tuple[Node, ...]
    kubeconfig: Path | None = None
    api_url: str | None = None  # the app's public base URL (API /readyz through the ingress)
    warnings: tuple[str, ...] = ()  # what the source found odd (printed on stderr by every command)
    readonly_kubeconfig: Path | None = None  # a read-only identity for `health` (docs/fleet.md)

    @property
    def selector_args(self) -> str:
        """Options that make another wastectl command find this inventory (for exact hints)."""
        import shlex

        kind, _, where = self.source.partition(":")
        cluster = f"--cluster {shlex.quote(self.cluster)}"
        if kind == "static":
            return f"--inventory {shlex.quote(where)}"
        if kind == "terraform":
            return f"--tf-outputs {shlex.quote(where)} {cluster}"
        return cluster

    @property
    def names(self) -> list[str]:
        return [node.name for node in self.nodes]

    def get(self, name: str) -> Node:
        for node in self.nodes:
            if name in (node.name, f"k8s-{node.name}"):
                return node
        raise UsageError(
            f"unknown node {name!r} in cluster {self.cluster!r}",
            hint="known nodes: " + (", ".join(self.names) or "(none)") + f" (from {self.source})",
        )

    def select(self, names: list[str], *, all_nodes: bool = False, role: str | None = None) -> list[Node]:
        """Nodes named on the command line, or every node, or every node of a role (never empty)."""
        if sum((bool(names), all_nodes, role is not None)) != 1:
            raise UsageError("name nodes, or give exactly one of --all or --role")
        if all_nodes:
            return list(self.nodes)
        if role is not None:
            chosen = [node for node in self.nodes if node.role.lower() == role.lower()]
            if not chosen:
                roles = sorted({node.role for node in self.nodes})
                raise UsageError(f"no node has role {role!r}", hint="roles: " + ", ".join(roles))
            return chosen
        seen: dict[str, Node] = {}
        for name in names:
            node = self.get(name)
            seen.setdefault(node.name, node)
        return list(seen.values())

    def control_plane(self) -> Node | None:
        return next((node for node in self.nodes if node.is_control_plane), None)
