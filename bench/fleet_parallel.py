"""Benchmark: `health` (node layer) and `exec` on 4 and 16 real sshd nodes, parallel vs one by one.

Target (issue 6): on 4 nodes at most 1.5x the slowest single node, on 16 at most 2x.
Nodes are local OpenSSH sshd processes with the test stand-in binaries (tests/wastectl/fleet).

    PYTHONPATH=$PWD /work/venv/bin/python bench/fleet_parallel.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.wastectl.fleet.harness import Fleet, start_fleet, stop_fleet
from wastectl.fleet.inventory import InventoryOptions
from wastectl.fleet.sources import load_static
from wastectl.health.model import NodeCheck
from wastectl.health.registry import HEALTH_CHECKS
from wastectl.nodes.knownhosts import known_hosts_path
from wastectl.nodes.model import Inventory, Node
from wastectl.nodes.parallel import exec_on_node, map_nodes

EXEC_COMMAND = "uname -a; df -P / >/dev/null"


def _inventory(fleet: Fleet, base: Path) -> Inventory:
    return load_static(fleet.write_inventory(base / "inv.yaml"), InventoryOptions())


def _health_node(inventory: Inventory) -> Callable[[Node], Any]:
    from wastectl.health.node_runner import run_node

    ids = {s.id for s in HEALTH_CHECKS if isinstance(s, NodeCheck)}
    kh = known_hosts_path(inventory.cluster)
    return lambda node: run_node(
        node, selected=ids, known_hosts=kh, accept_new=True, cluster=inventory.cluster
    )


def _exec_node(inventory: Inventory, delay: float) -> Callable[[Node], Any]:
    kh = known_hosts_path(inventory.cluster)
    stop = threading.Event()
    command = f"sleep {delay:g}; {EXEC_COMMAND}" if delay else EXEC_COMMAND
    return lambda node: exec_on_node(
        node,
        command,
        known_hosts=kh,
        accept_new=True,
        cluster=inventory.cluster,
        stop=stop,
        on_line=lambda _n, _l: None,
    )


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure(
    name: str, delay: float, inventory: Inventory, work: Callable[[Node], Any], rounds: int
) -> dict[str, float]:
    nodes = list(inventory.nodes)
    singles = {n.name: statistics.median(_timed(lambda n=n: work(n)) for _ in range(rounds)) for n in nodes}
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    parallel = statistics.median(
        _timed(lambda: map_nodes(nodes, work, stop=threading.Event())) for _ in range(rounds)
    )
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    used = cpu_after.ru_utime - cpu_before.ru_utime + cpu_after.ru_stime - cpu_before.ru_stime
    client_cpu = used / rounds
    serial = statistics.median(_timed(lambda: [work(n) for n in nodes]) for _ in range(rounds))
    slowest = max(singles.values())
    row = {
        "nodes": len(nodes),
        "slowest_single": slowest,
        "parallel": parallel,
        "serial": serial,
        "vs_slowest": parallel / slowest,
        "vs_serial": parallel / serial,
        "client_cpu": client_cpu,
    }
    print(
        f"{name:<7} delay {delay:g}s {len(nodes):>3} nodes  slowest single {slowest:6.3f}s  "
        f"parallel {parallel:6.3f}s  serial {serial:6.3f}s  "
        f"parallel/slowest {row['vs_slowest']:.2f}x  parallel/serial {row['vs_serial']:.2f}x  "
        f"wastectl CPU per parallel run {client_cpu:.2f}s"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--bare-home",
        action="store_true",
        help="node sessions get HOME=<node dir>: the bench host's ~/.bashrc is not run per session",
    )
    parser.add_argument("--sizes", default="4,16")
    parser.add_argument("--delays", default="0,0.5", help="simulated node-side seconds per command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = str(Path(tmp) / "state")
        for size in (int(s) for s in args.sizes.split(",")):
            fleet = start_fleet(Path(tmp) / f"fleet{size}", count=size, bare_home=args.bare_home)
            try:
                inventory = _inventory(fleet, Path(tmp) / f"fleet{size}")
                for node in inventory.nodes:  # record host keys once, outside the timings
                    _exec_node(inventory, 0)(node)
                for delay in (float(d) for d in args.delays.split(",")):
                    for node in fleet.nodes:
                        node.set_state(delay=f"{delay:g}" if delay else "")
                    measure("health", delay, inventory, _health_node(inventory), args.rounds)
                    measure("exec", delay, inventory, _exec_node(inventory, delay), args.rounds)
            finally:
                stop_fleet(fleet)


if __name__ == "__main__":
    main()
