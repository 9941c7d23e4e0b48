"""Open the Kubernetes API for a command: which kubeconfig, and which way to the API server.

1. a kubeconfig given (`--kubeconfig`, the inventory's `kubeconfig:`; for `health` the read-only
   one first): its endpoint directly when it is reachable from here, else through an SSH tunnel
   to that endpoint over the master's connection;
2. none given: admin.conf fetched from the master, reached through the tunnel (its server
   address is the one the certificate names; TLS is verified against `kubernetes`).
"""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from wastectl.errors import WastectlError

if TYPE_CHECKING:
    from wastectl.kube.client import KubeClient
    from wastectl.nodes.model import Inventory
    from wastectl.nodes.ssh import Connection

#: Always in a kubeadm API server certificate, whatever addresses were (not) added as SANs.
KUBEADM_TLS_NAME = "kubernetes"


def reachable(host: str, port: int, timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def open_api(
    inventory: Inventory,
    *,
    kubeconfig: Path | None,
    accept_new: bool,
) -> KubeClient:
    from wastectl.kube.client import KubeClient, fetch_admin_kubeconfig

    path = kubeconfig or inventory.kubeconfig
    if path is not None:
        host, port, _, _ = KubeClient.endpoint(path)
        if reachable(host, port) or inventory.control_plane() is None:
            return KubeClient.from_kubeconfig(path)
        return _tunnelled(inventory, path, host, port, accept_new=accept_new)
    master = inventory.control_plane()
    if master is None:
        raise WastectlError(
            "no kubeconfig and no control-plane node in the inventory to fetch one from",
            hint="pass --kubeconfig FILE, or give a node role: master in the inventory",
        )
    conn = _connect(inventory, accept_new)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            fetched = fetch_admin_kubeconfig(conn, Path(tmp) / "admin.conf")
            host, port, _, _ = KubeClient.endpoint(fetched)
            return _tunnelled(inventory, fetched, host, port, accept_new=accept_new, conn=conn)
    except BaseException:
        conn.close()
        raise


def open_readonly_api(
    inventory: Inventory, *, kubeconfig: Path | None, readonly_kubeconfig: Path | None, accept_new: bool
) -> KubeClient:
    """For commands that only read (health): the read-only kubeconfig (the option, else the
    inventory's) first, else the one given, else admin.conf from the master (see open_api)."""
    readonly = readonly_kubeconfig or inventory.readonly_kubeconfig
    return open_api(inventory, kubeconfig=readonly or kubeconfig, accept_new=accept_new)


def _connect(inventory: Inventory, accept_new: bool) -> Connection:
    from wastectl.nodes.knownhosts import known_hosts_path
    from wastectl.nodes.ssh import Connection

    master = inventory.control_plane()
    assert master is not None
    return Connection(
        master,
        known_hosts=known_hosts_path(inventory.cluster),
        accept_new=accept_new,
        cluster=inventory.cluster,
        selector=inventory.selector_args,
    )


def _tunnelled(
    inventory: Inventory,
    path: Path,
    host: str,
    port: int,
    *,
    accept_new: bool,
    conn: Connection | None = None,
) -> KubeClient:
    from wastectl.kube.client import KubeClient
    from wastectl.kube.tunnel import Tunnel

    connection = conn if conn is not None else _connect(inventory, accept_new)
    try:
        tunnel = Tunnel(connection, host, port)
    except BaseException:
        if conn is None:  # ours to close; a caller's connection is closed by the caller
            connection.close()
        raise
    _, _, tls_name, scheme = KubeClient.endpoint(path)
    client = KubeClient.from_kubeconfig(
        path, server=f"{scheme}://127.0.0.1:{tunnel.port}", tls_server_name=tls_name or KUBEADM_TLS_NAME
    )
    client.via = (
        f"SSH tunnel through {connection.node.name} to {host}:{port} (TLS name {client.tls_server_name})"
    )
    client.closers += [connection.close, tunnel.close]
    return client
