"""Reset fixtures: the sshd fleet, a fake Kubernetes API, and a guard that the sandbox is used."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.wastectl.fleet.harness import Fleet
from tests.wastectl.health.conftest import _wide_terminal, fleet, inventory, kube, kubeconfig, sshd_fleet

__all__ = ["_wide_terminal", "fleet", "inventory", "kube", "kubeconfig", "sshd_fleet"]


@pytest.fixture
def sandbox(fleet: Fleet) -> Iterator[str]:
    """The test-only `--root-prefix`: `{node}` is filled per node, so each node wipes its own sandbox.
    Afterwards, fail if the stand-in sudo refused an `rm` outside the sandbox.
    """
    yield str(fleet.base / "{node}" / "root")
    for node in fleet.nodes:
        refused = [line for line in node.calls() if line.startswith("REFUSED")]
        assert not refused, f"reset tried to touch paths outside the sandbox: {refused}"
