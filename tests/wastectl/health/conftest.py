"""Health fixtures: the sshd fleet (shared harness) plus a fake Kubernetes API seeded healthy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wastectl.fleet.conftest import _wide_terminal, fleet, inventory, sshd_fleet
from tests.wastectl.fleet.harness import Fleet
from tests.wastectl.health.fakekube import FakeKube, healthy_cluster

__all__ = ["_wide_terminal", "fleet", "inventory", "sshd_fleet"]


@pytest.fixture
def kube(fleet: Fleet) -> Iterator[FakeKube]:
    fake = FakeKube().start()
    healthy_cluster(fake, [(n.name, f"10.0.1.{i + 10}") for i, n in enumerate(fleet.nodes)])
    yield fake
    fake.stop()


@pytest.fixture
def kubeconfig(kube: FakeKube, tmp_path: Path) -> Path:
    return kube.write_kubeconfig(tmp_path / "kubeconfig")
