"""The Kubernetes API reached the way a kubeadm cluster allows it: over TLS with a certificate that
does not name the address wastectl uses, through an SSH tunnel to the master; a read-only identity."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.wastectl.fleet.cli import run_cli
from tests.wastectl.fleet.harness import Fleet, free_port
from tests.wastectl.health.fakekube import KUBEADM_SANS, READONLY_TOKEN, FakeKube, healthy_cluster


@pytest.fixture
def tls_kube(fleet: Fleet) -> Iterator[FakeKube]:
    """An API server on the master's address whose certificate names only kubeadm's default SANs."""
    master = fleet.node("master")
    kube = FakeKube(address=master.address, port=free_port(master.address), tls_names=KUBEADM_SANS).start()
    healthy_cluster(kube, [(n.name, f"10.0.1.{i + 10}") for i, n in enumerate(fleet.nodes)])
    # admin.conf as kubeadm writes it: the API server's address as the master knows it
    kube.write_kubeconfig(master.root / "etc/kubernetes/admin.conf")
    yield kube
    kube.stop()


def test_the_certificate_really_does_not_name_the_address(tls_kube: FakeKube, tmp_path: Path) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_bytes(tls_kube._ca_pem)
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(tls_kube.url + "/version", verify=ssl.create_default_context(cafile=str(ca)))


def test_health_reaches_a_fetched_admin_conf_through_an_ssh_tunnel(
    fleet: Fleet, inventory: Path, tls_kube: FakeKube, capsys: pytest.CaptureFixture[str]
) -> None:
    master = fleet.node("master")
    args = ("health", "--inventory", str(inventory), "--accept-new", "--only", "cluster")
    run = run_cli(capsys, *args)  # admin.conf is read with `sudo cat`, from the master's sandbox
    assert run.code == 0, run.out + run.err
    assert "[cluster] 8/8 checks passed" in run.out
    assert f"Kubernetes API: SSH tunnel through master to {master.address}:{tls_kube.port}" in run.out
    assert "(TLS name kubernetes)" in run.out
    assert ("GET", "/api/v1/nodes") in tls_kube.requests


def test_a_given_kubeconfig_is_used_directly_when_reachable_with_its_tls_server_name(
    fleet: Fleet, inventory: Path, tls_kube: FakeKube, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tls_kube.write_kubeconfig(tmp_path / "named.conf", tls_server_name="kubernetes")
    run = run_cli(
        capsys, "health", "--inventory", str(inventory), "--kubeconfig", str(good), "--only", "cluster"
    )
    assert run.code == 0, run.out + run.err
    assert f"Kubernetes API: {tls_kube.url}" in run.out

    bare = tls_kube.write_kubeconfig(tmp_path / "bare.conf")
    run = run_cli(
        capsys,
        "health",
        "--inventory",
        str(inventory),
        "--kubeconfig",
        str(bare),
        "--only",
        "cluster",
        "-o",
        "json",
    )
    assert run.code == 1
    api = next(c for c in run.json()["data"]["checks"] if c["id"] == "APIServerReady")
    assert "TLS verification failed for the name" in api["message"]
    assert "tls-server-name: kubernetes" in api["message"]


def test_health_uses_the_read_only_identity_when_configured(
    *,
    fleet: Fleet,
    inventory: Path,
    kube: FakeKube,
    kubeconfig: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    readonly = kube.write_kubeconfig(tmp_path / "readonly.conf", token=READONLY_TOKEN)
    run = run_cli(
        capsys,
        "health",
        "--inventory",
        str(inventory),
        "--accept-new",
        "--kubeconfig",
        str(kubeconfig),
        "--readonly-kubeconfig",
        str(readonly),
    )
    assert run.code == 0, run.out + run.err
    assert kube.identities and set(kube.identities) == {"readonly"}
