"""SSH transport on paramiko with verified host keys, bastion support and clear failure messages.

Host keys come only from the cluster's own known_hosts file (never ~/.ssh, never auto-accepted):
unknown keys are refused unless `accept_new`, changed keys are always refused.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wastectl.errors import WastectlError
from wastectl.exitcodes import ExitCode
from wastectl.nodes.knownhosts import append, host_entry

if TYPE_CHECKING:
    import paramiko

    from wastectl.nodes.model import Node, SSHConfig


class SSHError(WastectlError):
    """Connecting to or authenticating with a node failed; the message names node, user and key."""

    def with_hint(self) -> str:
        """The message plus the hint, for per-node reports (exec, health) that have no hint line."""
        return f"{self.message}; {self.hint}" if self.hint else self.message


class HostKeyError(SSHError):
    pass


@dataclass(frozen=True)
class Target:
    name: str
    host: str
    port: int
    user: str


@dataclass(frozen=True)
class CommandResult:
    exit_status: int
    stdout: str
    stderr: str
    seconds: float


def _policy(known_hosts: Path, accept_new: bool, target: Target) -> Any:
    import paramiko

    class Policy(paramiko.MissingHostKeyPolicy):
        def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
            fingerprint = key.fingerprint
            if not accept_new:
                raise HostKeyError(
                    f"unknown host key for node {target.name} ({hostname}): {key.get_name()} {fingerprint}",
                    hint=f"if this is the node you expect, connect once with --accept-new "
                    f"(recorded in {known_hosts})",
                )
            client.get_host_keys().add(hostname, key.get_name(), key)
            append(known_hosts, f"{hostname} {key.get_name()} {key.get_base64()}")
            _say_recorded(target, hostname, f"{key.get_name()} {fingerprint}", known_hosts)

    return Policy()


def _say_recorded(target: Target, hostname: str, key: str, known_hosts: Path) -> None:
    """--accept-new trusts on first use: say exactly which key was trusted, so it can be compared."""
    from rich.text import Text

    from wastectl.output import stderr_console

    stderr_console().print(
        Text(f"recorded host key for node {target.name} ({hostname}): {key} in {known_hosts}", style="yellow")
    )


def _auth_description(cfg: SSHConfig) -> str:
    parts = [f"key {cfg.key}"] if cfg.key else []
    if cfg.agent:
        parts.append("ssh-agent")
    return " and ".join(parts) or "no key (set --key or enable the agent)"


def _open(
    target: Target,
    cfg: SSHConfig,
    *,
    known_hosts: Path,
    accept_new: bool,
    sock: Any = None,
    cluster: str = "",
    selector: str | None = None,
) -> paramiko.SSHClient:
    import paramiko

    if cfg.key is None and not cfg.agent:
        raise SSHError(
            f"no way to authenticate to node {target.name} as {target.user}: {_auth_description(cfg)}",
            hint="pass --key FILE, or --agent with keys in ssh-agent",
        )
    if cfg.key is not None and not cfg.key.is_file():
        raise SSHError(
            f"SSH key {cfg.key} for node {target.name} does not exist",
            hint="check --key (or the inventory's ssh.key)",
            exit_code=ExitCode.USAGE,  # configuration, not the node
        )
    client = paramiko.SSHClient()
    if known_hosts.is_file():
        client.get_host_keys().load(str(known_hosts))
    client.set_missing_host_key_policy(_policy(known_hosts, accept_new, target))
    where = f"{target.user}@{target.host}:{target.port}"
    try:
        client.connect(
            target.host,
            port=target.port,
            username=target.user,
            key_filename=str(cfg.key) if cfg.key else None,
            allow_agent=cfg.agent,
            look_for_keys=False,
            timeout=cfg.connect_timeout,
            banner_timeout=cfg.banner_timeout,
            auth_timeout=cfg.auth_timeout,
            sock=sock,
        )
    except HostKeyError:
        client.close()
        raise
    except paramiko.BadHostKeyException as exc:
        client.close()
        entry = host_entry(target.host, target.port)
        raise HostKeyError(
            f"host key for node {target.name} ({entry}) has CHANGED: expected "
            f"{exc.expected_key.fingerprint}, got {exc.key.fingerprint}; refusing to connect",
            hint=f"if the node was rebuilt, forget the old key: wastectl known-hosts forget {target.name}"
            + (f" {selector}" if selector else f" --cluster {cluster}" if cluster else ""),
        ) from None
    except paramiko.PasswordRequiredException:
        client.close()
        raise SSHError(
            f"SSH key {cfg.key} for node {target.name} is encrypted",
            hint="load it into ssh-agent (ssh-add) and use --agent",
        ) from None
    except paramiko.AuthenticationException as exc:
        client.close()
        raise SSHError(
            f"authentication failed for node {target.name} as {where} with {_auth_description(cfg)}: {exc}",
            hint="check --user and --key (the key's public half must be in authorized_keys)",
        ) from None
    except (paramiko.SSHException, OSError, EOFError) as exc:
        client.close()
        reason = _reason(exc, cfg)
        raise SSHError(
            f"node {target.name} ({where}) is unreachable: {reason}",
            hint="is the instance running and port open? see `wastectl nodes`",
        ) from None
    return client


def _reason(exc: BaseException, cfg: SSHConfig) -> str:
    """Why a connect failed, in our words (never paramiko's `[Errno None] ...` or `No existing session`)."""
    import errno
    import os

    from paramiko.ssh_exception import NoValidConnectionsError

    if isinstance(exc, NoValidConnectionsError):
        codes = {getattr(e, "errno", None) for e in exc.errors.values()}
        if codes <= {errno.ECONNREFUSED}:
            return "connection refused (is sshd running and the port right?)"
        return "cannot connect: " + "; ".join(
            sorted({str(getattr(e, "strerror", e)) for e in exc.errors.values()})
        )
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"no answer within {cfg.connect_timeout:g}s (connect timeout)"
    if isinstance(exc, EOFError):
        return "the node closed the connection during the SSH handshake"
    if isinstance(exc, OSError) and exc.errno is not None:
        return os.strerror(exc.errno).lower()
    text = str(exc)
    if "No existing session" in text:
        return f"the SSH handshake did not finish within {cfg.auth_timeout:g}s"
    if "protocol banner" in text:
        return f"no SSH banner within {cfg.banner_timeout:g}s (is this port an SSH server?)"
    return text or type(exc).__name__


def _parse_jump(jump: str, default_user: str) -> tuple[str, str, int]:
    user, _, hostport = jump.rpartition("@")
    host, _, port = hostport.partition(":")
    if not host or (port and not port.isdigit()):
        raise SSHError(f"bad jump host {jump!r}: expected [user@]host[:port]", exit_code=ExitCode.USAGE)
    return user or default_user, host, int(port or 22)


class Connection:
    """An open SSH session to one node (and its bastion, when one is configured)."""

    def __init__(
        self,
        node: Node,
        *,
        known_hosts: Path,
        accept_new: bool,
        cluster: str = "",
        selector: str | None = None,
    ) -> None:
        """`selector`: the inventory options (`Inventory.selector_args`) quoted in the changed-key hint."""
        from wastectl.nodes.model import NOT_RUNNING

        self.node = node
        self._bastion: paramiko.SSHClient | None = None
        cfg = node.ssh
        if node.state in NOT_RUNNING:
            raise SSHError(
                f"node {node.name}: instance {node.instance_id} is {node.state}",
                hint=f"start it: aws ec2 start-instances --instance-ids {node.instance_id}"
                + (f" --region {node.availability_zone[:-1]}" if node.availability_zone else ""),
            )
        sock = None
        if cfg.jump:
            user, host, port = _parse_jump(cfg.jump, cfg.user)
            self._bastion = _open(
                Target(f"bastion {host}", host, port, user),
                cfg,
                known_hosts=known_hosts,
                accept_new=accept_new,
                cluster=cluster,
                selector=selector,
            )
            transport = self._bastion.get_transport()
            assert transport is not None
            try:
                sock = transport.open_channel(
                    "direct-tcpip", (node.host, cfg.port), ("127.0.0.1", 0), timeout=cfg.connect_timeout
                )
            except Exception as exc:
                self._bastion.close()
                reason = getattr(exc, "strerror", None) or _reason(exc, cfg)
                raise SSHError(
                    f"bastion {host} could not reach node {node.name} ({node.host}:{cfg.port}): {reason}"
                ) from None
        try:
            self.client = _open(
                Target(node.name, node.host, cfg.port, cfg.user),
                cfg,
                known_hosts=known_hosts,
                accept_new=accept_new,
                sock=sock,
                cluster=cluster,
                selector=selector,
            )
        except BaseException:
            if self._bastion is not None:
                self._bastion.close()
            raise

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()
        if self._bastion is not None:
            self._bastion.close()

    def open_session(self) -> paramiko.Channel:
        transport = self.client.get_transport()
        assert transport is not None
        return transport.open_session()

    def run(self, command: str, *, timeout: float | None = None, stdin: bytes | None = None) -> CommandResult:
        """Run one command (no pty: stdout and stderr stay apart); exit status 124 on timeout."""
        started = time.monotonic()
        channel = self.open_session()
        try:
            channel.settimeout(timeout)
            channel.exec_command(command)
            if stdin is not None:
                channel.sendall(stdin)
            channel.shutdown_write()
            out, err = bytearray(), bytearray()
            try:
                while True:
                    chunk = channel.recv(65536)
                    if not chunk:
                        break
                    out += chunk
                while True:
                    chunk = channel.recv_stderr(65536)
                    if not chunk:
                        break
                    err += chunk
                status = channel.recv_exit_status()
            except TimeoutError:
                return CommandResult(
                    124,
                    out.decode(errors="replace"),
                    f"timed out after {timeout:g}s",
                    time.monotonic() - started,
                )
        finally:
            channel.close()
        return CommandResult(
            status, out.decode(errors="replace"), err.decode(errors="replace"), time.monotonic() - started
        )
