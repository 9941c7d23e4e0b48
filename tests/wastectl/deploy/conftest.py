"""Deploy fixtures: the fake Kubernetes API over HTTPS (with a `waste` namespace) and its kubeconfig."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wastectl.deploy.fakecluster import FakeCluster
from tests.wastectl.deploy.fakestore import RESOURCES
from tests.wastectl.deploy.faketls import ServerCerts, make_certs

CHART = Path(__file__).parent / "chart"


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> ServerCerts:
    return make_certs(tmp_path_factory.mktemp("kube-tls"))


@pytest.fixture
def cluster(certs: ServerCerts) -> Iterator[FakeCluster]:
    fake = FakeCluster(certs).start()
    fake.store.create(RESOURCES["namespaces"], None, {"metadata": {"name": "waste"}})
    yield fake
    fake.stop()


@pytest.fixture
def kubeconfig(cluster: FakeCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = cluster.write_kubeconfig(tmp_path / "kubeconfig")
    monkeypatch.setenv("WASTECTL_KUBECONFIG", str(path))
    monkeypatch.setenv("WASTECTL_CHART", str(CHART))
    monkeypatch.setenv("WASTECTL_RELEASE", "wc")
    monkeypatch.setenv("COLUMNS", "200")
    return path
