"""`reset` drains through the SSH tunnel to the master, over TLS with kubeadm's certificate."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wastectl.fleet.cli import run_cli
from tests.wastectl.fleet.harness import Fleet
from tests.wastectl.health.fakekube import FakeKube
from tests.wastectl.health.test_api_access import tls_kube

__all__ = ["tls_kube"]


def test_reset_drains_through_the_tunnel_too(
    fleet: Fleet, inventory: Path, tls_kube: FakeKube, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(
        capsys,
        "reset",
        "worker-1",
        "--yes",
        "--cluster",
        "testc",
        "--inventory",
        str(inventory),
        "--accept-new",
    )
    assert run.code == 0, run.out + run.err
    assert ("PATCH", "/api/v1/nodes/k8s-worker-1") in tls_kube.requests
    assert tls_kube.find("nodes", "k8s-worker-1") is None
