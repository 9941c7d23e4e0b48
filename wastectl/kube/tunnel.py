"""Reach the API server the way a kubeadm cluster allows it: through the SSH connection to the master.

kubeadm's API server certificate names `kubernetes`, `kubernetes.default...`, the service IP and the
advertise (private) address - not the public IP wastectl reaches the master on. So instead of
rewriting admin.conf to the public IP (TLS fails), wastectl forwards a local port over the existing
SSH connection (`direct-tcpip`, like `ssh -L`) to the server address admin.conf names, as seen from
the master, and verifies TLS against the name `kubernetes` (or the kubeconfig's tls-server-name).

The local end listens on 127.0.0.1 only, for the life of one command; the API still requires the
kubeconfig's credentials.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import paramiko

    from wastectl.nodes.ssh import Connection


class Tunnel:
    def __init__(self, conn: Connection, host: str, port: int, *, timeout: float = 10.0) -> None:
        transport = conn.client.get_transport()
        assert transport is not None
        self._transport = transport
        self.remote = (host, port)
        self._timeout = timeout
        self._check(conn)
        self._closed = threading.Event()
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self.port = int(self._server.getsockname()[1])
        self._thread = threading.Thread(target=self._accept, name="kube-tunnel", daemon=True)
        self._thread.start()

    def _check(self, conn: Connection) -> None:
        """Fail now, in our words, when the master itself cannot reach the API server address."""
        from wastectl.kube.client import KubeError

        try:
            channel = self._transport.open_channel(
                "direct-tcpip", self.remote, ("127.0.0.1", 0), timeout=self._timeout
            )
        except Exception as exc:
            reason = str(getattr(exc, "args", [""])[-1] or exc) if str(exc) else type(exc).__name__
            host, port = self.remote
            raise KubeError(
                f"Kubernetes API {host}:{port} unreachable, from here and from {conn.node.name} "
                f"through SSH ({reason.lower()})"
            ) from None
        channel.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, peer = self._server.accept()
            except OSError:
                return
            try:
                channel = self._transport.open_channel(
                    "direct-tcpip", self.remote, peer, timeout=self._timeout
                )
            except Exception:  # the master cannot reach the address: the client sees a reset
                client.close()
                continue
            threading.Thread(target=self._pump, args=(client, channel), daemon=True).start()

    def _pump(self, sock: socket.socket, channel: paramiko.Channel) -> None:
        try:
            while not self._closed.is_set():
                watched: list[Any] = [sock, channel]  # a paramiko Channel has fileno()
                ready, _, _ = select.select(watched, [], [], 0.5)
                if sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        break
                    channel.sendall(data)
                if channel in ready:
                    data = channel.recv(65536)
                    if not data:
                        break
                    sock.sendall(data)
        except (OSError, EOFError):  # paramiko raises EOFError once the SSH transport is gone
            pass
        finally:
            with contextlib.suppress(OSError, EOFError):
                channel.close()
            sock.close()

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._server.close()
