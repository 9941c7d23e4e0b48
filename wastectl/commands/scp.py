"""`wastectl scp SRC DST`: copy a file to or from a node over SFTP, with the same host-key rules."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wastectl.errors import UsageError, WastectlError
from wastectl.exitcodes import ExitCode
from wastectl.fleet.cli import FleetArgs, fleet_options
from wastectl.output import OutputFormat, OutputOption, Printer

if TYPE_CHECKING:
    from wastectl.nodes.model import Inventory, Node

EXAMPLES = """
Examples:

  wastectl scp ./join.sh worker-1:/tmp/join.sh      # upload
  wastectl scp master:/etc/kubernetes/admin.conf .  # download (into ./admin.conf)
"""


def _split(inventory: Inventory, spec: str) -> tuple[Node | None, str]:
    """`NODE:PATH` names a node of the inventory; anything else is a local path."""
    name, sep, path = spec.partition(":")
    if sep and name and "/" not in name:
        return inventory.get(name), path or "."
    return None, spec


@fleet_options
def scp(
    *,
    fleet: FleetArgs,
    src: Annotated[str, typer.Argument(metavar="SRC", help="Local path, or NODE:PATH.")],
    dst: Annotated[str, typer.Argument(metavar="DST", help="Local path, or NODE:PATH.")],
    output: OutputOption = OutputFormat.table,
) -> int:
    """Copy one file between this machine and a node (exactly one side is NODE:PATH).

    Host keys are verified against the cluster's known_hosts like `wastectl ssh`; a directory as
    DST keeps the file name.
    """
    from wastectl.nodes.knownhosts import known_hosts_path
    from wastectl.nodes.ssh import Connection

    inventory = fleet.resolve()
    src_node, src_path = _split(inventory, src)
    dst_node, dst_path = _split(inventory, dst)
    if (src_node is None) == (dst_node is None):
        raise UsageError(
            "exactly one of SRC and DST must be NODE:PATH", hint="wastectl scp ./file worker-1:/tmp/file"
        )
    node = src_node or dst_node
    assert node is not None
    if dst_node is not None and not Path(src_path).is_file():
        raise UsageError(f"no such local file: {src_path}")
    with Connection(
        node,
        known_hosts=known_hosts_path(inventory.cluster),
        accept_new=fleet.accept_new,
        cluster=inventory.cluster,
        selector=inventory.selector_args,
    ) as conn:
        sftp = conn.client.open_sftp()
        try:
            if dst_node is not None:
                remote = _remote_target(sftp, dst_path, Path(src_path).name)
                sftp.put(src_path, remote)
                size, where = Path(src_path).stat().st_size, f"{node.name}:{remote}"
            else:
                local = Path(dst_path)
                if local.is_dir():
                    local = local / Path(src_path).name
                sftp.get(src_path, str(local))
                size, where = local.stat().st_size, str(local)
        except OSError as exc:
            side = f"{node.name}:{dst_path if dst_node else src_path}"
            raise WastectlError(f"copy failed ({side}): {exc.strerror or exc}") from None
        finally:
            sftp.close()
    data = {"source": src, "destination": where, "bytes": size}
    Printer("scp", output).result(data, lambda p: p.info(f"copied {size} bytes to {where}"))
    return int(ExitCode.OK)


def _remote_target(sftp: object, path: str, name: str) -> str:
    import stat

    try:
        mode = sftp.stat(path).st_mode  # type: ignore[attr-defined]
    except OSError:
        return path
    return f"{path.rstrip('/')}/{name}" if mode is not None and stat.S_ISDIR(mode) else path
