"""Host keys from the EC2 console output: cloud-init prints them between
`-----BEGIN SSH HOST KEY KEYS-----` and `-----END SSH HOST KEY KEYS-----` at first boot, through a
channel (the hypervisor console) that a network attacker cannot touch. Trusting them avoids the
blind first-contact `--accept-new`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from wastectl.errors import WastectlError
from wastectl.fleet.inventory import InventoryOptions
from wastectl.nodes.model import Node

BEGIN = "-----BEGIN SSH HOST KEY KEYS-----"
END = "-----END SSH HOST KEY KEYS-----"
KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa")


def parse_console(text: str) -> list[tuple[str, str]]:
    """(key type, base64 blob) pairs from the last host-key block in a console log."""
    start = text.rfind(BEGIN)
    end = text.find(END, start)
    if start < 0 or end < 0:
        return []
    keys = []
    for line in text[start + len(BEGIN) : end].splitlines():
        parts = line.strip().split()
        if len(parts) >= 2 and parts[0] in KEY_TYPES:
            try:
                base64.b64decode(parts[1], validate=True)
            except (binascii.Error, ValueError):
                continue
            keys.append((parts[0], parts[1]))
    return keys


def console_text(client: Any, instance_id: str) -> str:
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    try:
        response = client.get_console_output(InstanceId=instance_id, Latest=True)
    except (BotoCoreError, ClientError) as exc:
        raise WastectlError(f"cannot read the console output of {instance_id}: {exc}") from None
    raw = response.get("Output") or ""
    try:
        return base64.b64decode(raw).decode(errors="replace")
    except (binascii.Error, ValueError):
        return str(raw)


def fetch_keys(node: Node, options: InventoryOptions) -> list[tuple[str, str]]:
    from wastectl.fleet.sources import ec2_client

    if not node.instance_id:
        raise WastectlError(
            f"node {node.name} has no EC2 instance id; host keys cannot come from the console",
            hint="use --accept-new on first contact instead",
        )
    keys = parse_console(console_text(ec2_client(options), node.instance_id))
    if not keys:
        raise WastectlError(
            f"no SSH host keys in the console output of {node.name} ({node.instance_id})",
            hint="cloud-init prints them at first boot; wait a minute, or use --accept-new",
        )
    return keys
