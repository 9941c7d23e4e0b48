"""Run work on many nodes at once (one thread per node, bounded), and stop cleanly on Ctrl-C.

Remote commands run under a pty: when wastectl closes the channel (Ctrl-C), sshd hangs up the
pty and the kernel sends SIGHUP to the command's whole process group, so nothing is left running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from wastectl.nodes.model import Node
from wastectl.nodes.ssh import Connection, SSHError

T = TypeVar("T")
MAX_WORKERS = 32


@dataclass
class ExecOutcome:
    node: str
    exit_status: int | None  # None: never ran to completion (unreachable or interrupted)
    output: str
    error: str | None
    seconds: float
    interrupted: bool = False


def map_nodes(
    nodes: Sequence[Node], work: Callable[[Node], T], *, stop: threading.Event, forks: int = MAX_WORKERS
) -> list[T]:
    """`work(node)` for every node concurrently, results in node order.

    Ctrl-C in the main thread sets `stop` (workers poll it, wind down and return what they have) and
    waits for every worker; the caller sees `stop.is_set()` and reports an interrupted run (exit 130).
    """
    if not nodes:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(forks, len(nodes))), thread_name_prefix="node") as pool:
        futures: list[Future[T]] = [pool.submit(work, node) for node in nodes]
        try:
            while not all(f.done() for f in futures):
                time.sleep(0.05)
        except KeyboardInterrupt:
            stop.set()
            for future in futures:
                future.exception()  # wait: workers close their channels promptly once `stop` is set
        return [f.result() for f in futures]


def exec_on_node(
    node: Node,
    command: str,
    *,
    known_hosts: Path,
    accept_new: bool,
    cluster: str,
    stop: threading.Event,
    on_line: Callable[[str, str], None],
    selector: str | None = None,
    timeout: float | None = None,
) -> ExecOutcome:
    """`timeout`: seconds for the command; past it the channel is closed (SIGHUP) and exit is 124."""
    started = time.monotonic()
    try:
        conn = Connection(
            node, known_hosts=known_hosts, accept_new=accept_new, cluster=cluster, selector=selector
        )
    except SSHError as exc:
        return ExecOutcome(node.name, None, "", exc.with_hint(), time.monotonic() - started)
    chunks: list[str] = []
    pending = ""
    try:
        channel = conn.open_session()
        channel.get_pty(width=200, height=50)
        channel.exec_command(command)
        channel.settimeout(0.1)
        while True:
            if stop.is_set():
                channel.close()  # sshd hangs up the pty: SIGHUP to the remote process group
                if pending:
                    on_line(node.name, pending)
                return ExecOutcome(
                    node.name,
                    None,
                    "".join(chunks),
                    "interrupted",
                    time.monotonic() - started,
                    interrupted=True,
                )
            if timeout is not None and time.monotonic() - started > timeout:
                channel.close()  # sshd hangs up the pty: the remote command gets SIGHUP
                if pending:
                    on_line(node.name, pending)
                return ExecOutcome(
                    node.name,
                    124,
                    "".join(chunks),
                    f"timed out after {timeout:g}s",
                    time.monotonic() - started,
                )
            try:
                data = channel.recv(65536)
            except TimeoutError:
                continue
            if not data:
                break
            text = data.decode(errors="replace").replace("\r\n", "\n")
            chunks.append(text)
            pending += text
            *lines, pending = pending.split("\n")
            for line in lines:
                on_line(node.name, line)
        if pending:
            on_line(node.name, pending)
        status = channel.recv_exit_status()
        return ExecOutcome(node.name, status, "".join(chunks), None, time.monotonic() - started)
    finally:
        conn.close()
