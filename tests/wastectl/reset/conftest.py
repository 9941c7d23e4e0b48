"""Reset fixtures: the sshd fleet, a fake Kubernetes API, and a guard that nothing left the sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.wastectl.fleet.harness import Fleet
from tests.wastectl.health.conftest import _wide_terminal, fleet, inventory, kube, kubeconfig, sshd_fleet

__all__ = ["_wide_terminal", "fleet", "inventory", "kube", "kubeconfig", "sshd_fleet"]


@pytest.fixture(autouse=True)
def confined(fleet: Fleet) -> Iterator[None]:
    """Reset sends the node's real paths; the stand-in `sudo` moves them into the node's sandbox
    (tests/wastectl/fleet/standins.py). Afterwards, fail if it refused a path it could not move.
    """
    yield
    for node in fleet.nodes:
        refused = [line for line in node.calls() if line.startswith("REFUSED")]
        assert not refused, f"reset tried to touch paths outside the sandbox: {refused}"
