"""The Ansible inventory and extra vars for site.yml, built from the fleet's resolved inventory.

Host keys: every host gets `-o UserKnownHostsFile=<the cluster's known_hosts>` with
`StrictHostKeyChecking=yes` (or `accept-new` with --accept-new), the same file and the same rules
as the fleet commands; never `no`.
"""

from __future__ import annotations

import json
import os
import shlex
from enum import StrEnum
from pathlib import Path
from typing import Any

from wastectl.errors import UsageError
from wastectl.nodes.knownhosts import known_hosts_path
from wastectl.nodes.model import Inventory, Node
from wastectl.paths import state_dir


class Tier(StrEnum):
    """The seed's four tiers; labels and taints per tier live in ansible/group_vars/all.yml."""

    control = "control"
    api = "api"
    async_ = "async"
    storage = "storage"


def ansible_dir() -> Path:
    """The playbooks: $WASTECTL_ANSIBLE_DIR, else the repository's ansible/ folder."""
    override = os.environ.get("WASTECTL_ANSIBLE_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "ansible"


def cluster_dir(cluster: str) -> Path:
    """Per-cluster state: runner artifacts, fetched kubeconfig, generated credentials, rebuild state."""
    from wastectl.nodes.knownhosts import _SAFE

    return state_dir() / "clusters" / (_SAFE.sub("_", cluster) or "default")


def tier_of(node: Node, workers_seen: int) -> Tier:
    """master -> control, storage -> storage, the first worker -> api, the others -> async."""
    if node.is_control_plane:
        return Tier.control
    if node.role == "storage" or node.name == "storage":
        return Tier.storage
    if node.name == "worker-1" or (node.name != "worker-2" and workers_seen == 0):
        return Tier.api
    return Tier.async_


def _ssh_args(node: Node, known_hosts: Path, accept_new: bool) -> str:
    args = [
        f"-o UserKnownHostsFile={shlex.quote(str(known_hosts))}",
        f"-o StrictHostKeyChecking={'accept-new' if accept_new else 'yes'}",
        # Plain names, as the fleet writes them, so `wastectl known-hosts list/forget` see them.
        "-o HashKnownHosts=no",
        f"-o ConnectTimeout={max(1, int(node.ssh.connect_timeout))}",
    ]
    if node.ssh.jump:
        args.append(f"-o ProxyJump={shlex.quote(node.ssh.jump)}")
    if not node.ssh.agent:
        args.append("-o IdentitiesOnly=yes")
    return " ".join(args)


def build(inventory: Inventory, *, accept_new: bool = False) -> dict[str, Any]:
    """A YAML inventory: groups control_plane and workers, one host per node."""
    control = [n for n in inventory.nodes if n.is_control_plane]
    if len(control) != 1:
        raise UsageError(
            f"site.yml needs exactly one control-plane node, the inventory has {len(control)}",
            hint="give one node role master (static inventory) or role=master (Terraform outputs)",
        )
    known_hosts = known_hosts_path(inventory.cluster)
    # OpenSSH records accepted keys only into an existing folder (it never creates one).
    known_hosts.parent.mkdir(parents=True, exist_ok=True)
    hosts: dict[str, dict[str, Any]] = {}
    workers_seen = 0
    for node in inventory.nodes:
        tier = tier_of(node, workers_seen)
        if tier in (Tier.api, Tier.async_):
            workers_seen += 1
        host: dict[str, Any] = {
            "ansible_host": node.host,
            "ansible_port": node.ssh.port,
            "ansible_user": node.ssh.user,
            "ansible_ssh_common_args": _ssh_args(node, known_hosts, accept_new),
            "node_name": node.name,
            "node_private_ip": node.private_ip or node.host,
            "node_tier": str(tier),
        }
        if node.ssh.key is not None:
            host["ansible_ssh_private_key_file"] = str(node.ssh.key)
        hosts[node.name] = host
    return {
        "all": {
            "children": {
                "control_plane": {"hosts": {control[0].name: hosts[control[0].name]}},
                "workers": {"hosts": {n: h for n, h in hosts.items() if n != control[0].name}},
            }
        }
    }


def infra_vars(tf_outputs: Path | None) -> dict[str, Any]:
    """Extra vars from the Terraform outputs (vpc_id, aws_region, images_bucket, ALB controller role)."""
    if tf_outputs is None or not tf_outputs.is_file():
        return {}
    try:
        raw = json.loads(tf_outputs.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    wanted = {
        "vpc_id": "vpc_id",
        "region": "aws_region",
        "aws_region": "aws_region",
        "images_bucket": "images_bucket",
        "alb_controller_role_arn": "alb_controller_role_arn",
        "acm_certificate_arn": "acm_certificate_arn",
    }
    out: dict[str, Any] = {}
    for key, var in wanted.items():
        item = raw.get(key) if isinstance(raw, dict) else None
        if isinstance(item, dict) and item.get("value") not in (None, ""):
            out[var] = item["value"]
    return out
