"""Run the node layer on one node: ONE SSH connection, every selected check's commands in ONE
round trip (nodes/batch.py: a login shell per command costs 100-500 ms on real nodes, which
would dominate the run), then each check reads its commands' results.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from wastectl.health.model import CheckId, NodeCheck, Outcome, Result, Status
from wastectl.health.node import Probe
from wastectl.health.registry import HEALTH_CHECKS, node_check
from wastectl.nodes.batch import run_batch
from wastectl.nodes.model import Node
from wastectl.nodes.ssh import Connection, SSHError


def node_checks() -> list[NodeCheck]:
    return [check for check in HEALTH_CHECKS if isinstance(check, NodeCheck)]


def applies(spec: NodeCheck, node: Node) -> bool:
    """Control-plane-only checks (etcd, certificates) run on control-plane nodes only."""
    return not spec.control_plane_only or node.is_control_plane


def run_node(
    node: Node,
    *,
    selected: set[CheckId],
    known_hosts: Path,
    accept_new: bool,
    cluster: str,
    on_connect: Callable[[Connection], None] | None = None,
    selector: str | None = None,
) -> list[Result]:
    """Every selected node check on one node; if SSH fails, each of them is ERROR with the reason.

    `on_connect` receives the open connection, so that Ctrl-C in the main thread can close it and
    unblock this worker at once instead of waiting for the node's slowest check.
    """
    specs = [s for s in node_checks() if s.id in selected and applies(s, node)]
    started = time.monotonic()
    try:
        conn = Connection(
            node, known_hosts=known_hosts, accept_new=accept_new, cluster=cluster, selector=selector
        )
    except SSHError as exc:
        # One root cause, one error: NodeReachable fails, the checks that need SSH are skipped.
        message = exc.with_hint()
        spec = node_check(CheckId.NodeReachable)
        why = "skipped: the node is not reachable (see NodeReachable)"
        out = [spec.result(node.name, Status.fail, message, time.monotonic() - started)]
        return out + [
            s.result(node.name, Status.skip, why) for s in specs if s.id is not CheckId.NodeReachable
        ]
    if on_connect is not None:
        on_connect(conn)
    results: list[Result] = []
    with conn:
        batch_started = time.monotonic()
        commands = {cmd: spec.timeout for spec in specs for cmd in spec.commands}
        try:
            probe = Probe(run_batch(conn, commands), node)
        except Exception as exc:
            message = f"could not run the checks: {type(exc).__name__}: {exc}"
            return [s.result(node.name, Status.error, message) for s in specs]
        batch_seconds = time.monotonic() - batch_started
        for spec in specs:
            check_started = time.monotonic()
            if spec.run is None:  # NodeReachable: answered by the connection itself
                reached = f"{node.ssh.user}@{node.host}:{node.ssh.port}"
                results.append(spec.result(node.name, Status.ok, reached, check_started - started))
                continue
            try:
                message, status = spec.run(probe, spec.timeout), Status.ok
            except Outcome as outcome:
                message, status = outcome.message, outcome.status
            except Exception as exc:  # a broken connection mid-way: the check could not run
                message, status = f"{type(exc).__name__}: {exc}", Status.error
            seconds = batch_seconds + time.monotonic() - check_started
            results.append(spec.result(node.name, status, message, seconds))
    return results
