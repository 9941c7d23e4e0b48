"""The three inventory sources. boto3 is imported only when EC2 is actually asked."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wastectl.errors import WastectlError
from wastectl.exitcodes import ExitCode
from wastectl.fleet.inventory import bad_file, read_json, ssh_defaults
from wastectl.nodes.model import Inventory, Node, SSHConfig

if TYPE_CHECKING:
    from wastectl.fleet.inventory import InventoryOptions

_NODE_KEYS = {"name", "role", "host", "port", "user", "key", "jump", "private_ip", "instance_id"}
#: Top-level keys of a static inventory (docs/fleet.md; `wastectl nodes --help`). Add new ones here.
TOP_KEYS = {"cluster", "ssh", "nodes", "kubeconfig", "readonly_kubeconfig", "api_url"}


def load_static(path: Path, options: InventoryOptions) -> Inventory:
    """Static YAML: `cluster`, optional `ssh:` defaults, `kubeconfig`, `api_url`, and `nodes:`."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise bad_file(path, "no such file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise bad_file(path, f"not YAML ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("nodes"), list) or not raw["nodes"]:
        raise bad_file(path, "expected a mapping with a non-empty `nodes:` list")
    unknown = sorted(set(raw) - TOP_KEYS)
    if unknown:
        raise bad_file(path, f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(TOP_KEYS))}")
    if raw.get("ssh") is not None and not isinstance(raw["ssh"], dict):
        raise bad_file(path, "`ssh:` must be a mapping")
    try:
        defaults = ssh_defaults(raw.get("ssh"), options)
    except (TypeError, ValueError) as exc:
        raise bad_file(path, f"ssh: {exc}") from None
    nodes: list[Node] = []
    for index, item in enumerate(raw["nodes"]):
        nodes.append(_static_node(path, index, item, defaults, options))
    names = [node.name for node in nodes]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise bad_file(path, "duplicate node names: " + ", ".join(duplicates))
    base = path.parent
    kubeconfig = raw.get("kubeconfig")
    readonly = raw.get("readonly_kubeconfig")
    return Inventory(
        cluster=str(raw.get("cluster") or options.cluster),
        source=f"static:{path}",
        nodes=tuple(nodes),
        kubeconfig=(base / Path(str(kubeconfig)).expanduser()) if kubeconfig else None,
        api_url=str(raw["api_url"]) if raw.get("api_url") else None,
        readonly_kubeconfig=(base / Path(str(readonly)).expanduser()) if readonly else None,
    )


def _static_node(path: Path, index: int, item: Any, defaults: SSHConfig, options: InventoryOptions) -> Node:
    if not isinstance(item, dict):
        raise bad_file(path, f"nodes[{index}] must be a mapping")
    unknown = sorted(set(item) - _NODE_KEYS)
    if unknown:
        raise bad_file(path, f"nodes[{index}]: unknown keys {', '.join(unknown)}")
    missing = [key for key in ("name", "host") if not item.get(key)]
    if missing:
        raise bad_file(path, f"nodes[{index}]: missing {', '.join(missing)}")
    from wastectl.fleet.inventory import _ssh_fields

    try:
        ssh = defaults.merged(**_ssh_fields({k: item.get(k) for k in ("user", "port", "key", "jump")}))
    except (TypeError, ValueError) as exc:
        raise bad_file(path, f"nodes[{index}]: {exc}") from None
    ssh = ssh.merged(**options.ssh)
    if not 0 < ssh.port < 65536:
        raise bad_file(path, f"nodes[{index}]: port {ssh.port} out of range")
    return Node(
        name=str(item["name"]),
        role=str(item.get("role") or "worker").lower(),  # `Master` is the control plane too
        host=str(item["host"]),
        ssh=ssh,
        instance_id=item.get("instance_id"),
        public_ip=str(item["host"]),
        private_ip=item.get("private_ip"),
        state="static",
    )


def load_terraform(path: Path, options: InventoryOptions) -> Inventory:
    """`terraform output -json`: `{"nodes": {"value": {"<name>": {role, public_ip, private_ip, ...}}}}`."""
    raw = read_json(path)
    nodes_out = raw.get("nodes") if isinstance(raw, dict) else None
    value = nodes_out.get("value") if isinstance(nodes_out, dict) else None
    if not isinstance(value, dict) or not value:
        raise bad_file(path, "expected a `nodes` output whose value maps node names to their attributes")
    ssh = ssh_defaults(None, options)
    nodes: list[Node] = []
    for name, attrs in value.items():
        if not isinstance(attrs, dict):
            raise bad_file(path, f"nodes.{name} must be an object")
        host = attrs.get("public_ip") or attrs.get("private_ip")
        if not host:
            raise bad_file(path, f"nodes.{name} has neither public_ip nor private_ip")
        nodes.append(
            Node(
                name=str(name).removeprefix("k8s-"),
                role=str(attrs.get("role") or "worker").lower(),
                host=str(host),
                ssh=ssh,
                instance_id=attrs.get("instance_id"),
                public_ip=attrs.get("public_ip"),
                private_ip=attrs.get("private_ip"),
                state=attrs.get("state") or "unknown",
                instance_type=attrs.get("instance_type"),
                availability_zone=attrs.get("availability_zone") or attrs.get("az"),
                launch_time=attrs.get("launch_time"),
            )
        )
    return Inventory(cluster=options.cluster, source=f"terraform:{path}", nodes=tuple(nodes))


def ec2_client(options: InventoryOptions) -> Any:
    import boto3  # type: ignore[import-untyped]

    return boto3.client(
        "ec2", region_name=options.region or "ap-northeast-2", endpoint_url=options.endpoint_url
    )


EC2_STATES = ["pending", "running", "stopping", "stopped"]  # terminated ones are no longer the cluster's
NAME_PATTERN = "k8s-*"  # how the predecessor's Terraform named the instances


def load_ec2(options: InventoryOptions) -> Inventory:
    """Instances in any live state tagged `<tag key>=<tag value>`; the node name is the `Name` tag
    minus `k8s-`. Instances named `k8s-*` without the tag (the predecessor's) are used, with a
    warning, when nothing is tagged; otherwise they are reported with the tag to add."""
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    client = ec2_client(options)
    where = f"{client.meta.region_name} at {client.meta.endpoint_url}"
    key, value = options.cluster_tag, options.cluster_tag_value or options.cluster
    states = {"Name": "instance-state-name", "Values": EC2_STATES}
    ssh = ssh_defaults(None, options)

    def query(filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found = []
        for page in client.get_paginator("describe_instances").paginate(Filters=filters):
            for reservation in page["Reservations"]:
                found.extend(reservation["Instances"])
        return found

    try:
        tagged = query([{"Name": f"tag:{key}", "Values": [value]}, states])
        named = query([{"Name": "tag:Name", "Values": [NAME_PATTERN]}, states])
    except (BotoCoreError, ClientError) as exc:
        raise WastectlError(
            f"EC2 inventory failed ({where}): {exc}",
            hint="check AWS credentials, --region and --aws-endpoint-url",
            exit_code=ExitCode.USAGE,
        ) from None
    seen = {instance["InstanceId"] for instance in tagged}
    untagged = [
        i for i in named if i["InstanceId"] not in seen and key not in {t["Key"] for t in i.get("Tags", [])}
    ]
    warnings: list[str] = []
    chosen = tagged
    if untagged:
        ids = " ".join(sorted(i["InstanceId"] for i in untagged))
        add = f"aws ec2 create-tags --resources {ids} --tags Key={key},Value={value}"
        if not tagged:
            chosen = untagged
            warnings.append(
                f"no instance is tagged {key}={value}; using {len(untagged)} instance(s) named "
                f"{NAME_PATTERN} instead. Tag them so other tools find them too: {add}"
            )
        else:
            warnings.append(
                f"{len(untagged)} instance(s) named {NAME_PATTERN} are not tagged {key}={value} and were "
                f"left out ({ids}); if they belong to this cluster: {add}"
            )
    nodes = [_ec2_node(instance, ssh) for instance in chosen]
    nodes.sort(key=lambda node: (not node.is_control_plane, node.name))
    return Inventory(
        cluster=options.cluster, source=f"ec2:{where}", nodes=tuple(nodes), warnings=tuple(warnings)
    )


def _ec2_node(instance: dict[str, Any], ssh: SSHConfig) -> Node:
    tags = {tag["Key"]: tag["Value"] for tag in instance.get("Tags", [])}
    name = tags.get("Name", instance["InstanceId"]).removeprefix("k8s-")
    launch = instance.get("LaunchTime")
    return Node(
        name=name,
        role=(tags.get("Role") or "worker").lower(),
        host=instance.get("PublicIpAddress") or instance.get("PrivateIpAddress") or "",
        ssh=ssh,
        instance_id=instance["InstanceId"],
        public_ip=instance.get("PublicIpAddress"),
        private_ip=instance.get("PrivateIpAddress"),
        state=instance.get("State", {}).get("Name"),
        instance_type=instance.get("InstanceType"),
        availability_zone=instance.get("Placement", {}).get("AvailabilityZone"),
        launch_time=launch.isoformat() if launch is not None else None,
    )
