"""Bad input ends in one clear line and a named exit code, and never reaches the cluster when it need not."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.wastectl.deploy.fakecluster import FakeCluster
from tests.wastectl.fleet.cli import run_cli

NO_REGISTRY = "--skip-image-check"


def test_unknown_service_is_a_usage_error(kubeconfig: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "logs", "frontend")
    assert run.code == 2
    assert "'frontend' is not one of" in run.err and "api" in run.err


def test_values_violating_the_schema_are_refused_before_contacting_the_cluster(
    cluster: FakeCluster, kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = tmp_path / "bad.yaml"
    values.write_text("api:\n  replicas: two\nimage:\n  repository: ''\n", encoding="utf-8")
    for argv in (
        ("deploy", "-f", str(values), "--tag", "v1"),
        ("deploy", "--plan", "-f", str(values), "--tag", "v1"),
    ):
        run = run_cli(capsys, *argv)
        assert run.code == 2
        assert "values violate the chart's values.schema.json" in run.err
        assert "at '/api/replicas': got string, want integer" in run.err
        assert "at '/image/repository': minLength: got 0, want 1" in run.err
        assert "Traceback" not in run.err
    assert cluster.requests == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("deploy", "--set", "api.replicas"), "--set 'api.replicas' is not key=value"),
        (("deploy", "--timeout", "soon"), "invalid duration 'soon'"),
        (("logs", "api", "--grep", "(unclosed"), "is not a regular expression"),
        (("deploy", "--chart", "/nonexistent", "--tag", "v1"), "is not a Helm chart"),
    ],
)
def test_malformed_options(
    cluster: FakeCluster,
    kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    message: str,
) -> None:
    run = run_cli(capsys, *argv)
    assert run.code == 2, run.err
    assert message in run.err
    assert cluster.requests == []


def test_unreachable_api_server_is_one_line_and_exit_1(
    cluster: FakeCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = cluster.write_kubeconfig(tmp_path / "kubeconfig")
    config.write_text(config.read_text().replace(cluster.url, f"https://127.0.0.1:{port}"), encoding="utf-8")
    monkeypatch.setenv("WASTECTL_KUBECONFIG", str(config))
    for argv in (("deploy", "--tag", "v1", NO_REGISTRY), ("status",), ("logs", "api"), ("deploy", "history")):
        run = (
            run_cli(capsys, *argv, "--chart", str(Path(__file__).parent / "chart"))
            if argv[0] == "deploy" and len(argv) > 2
            else run_cli(capsys, *argv)
        )
        assert run.code == 1, (argv, run.err)
        lines = run.err.strip().splitlines()
        assert any(
            f"error: Kubernetes API https://127.0.0.1:{port} is unreachable" in line for line in lines
        ), run.err
        assert "Traceback" not in run.err


def test_kubeconfig_without_the_context(kubeconfig: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "status", "--context", "prod")
    assert run.code == 2
    assert f"context 'prod' is not in kubeconfig {kubeconfig}" in run.err
    assert "contexts there: admin@test" in run.err
    bare = kubeconfig.parent / "no-current"
    bare.write_text(kubeconfig.read_text().replace("current-context: admin@test", "current-context: ''"))
    run = run_cli(capsys, "deploy", "history", "--kubeconfig", str(bare))
    assert run.code == 2 and "has no current-context" in run.err


def _registry(server: HTTPServer) -> None:
    def handle(request: Request) -> Response:
        if request.path == "/token":
            assert request.args.get("scope") == "repository:example/wastecoach:pull"
            return Response('{"token": "pull-token"}', content_type="application/json")
        if request.headers.get("Authorization") != "Bearer pull-token":
            realm = server.url_for("/token")
            return Response(
                status=401, headers={"WWW-Authenticate": f'Bearer realm="{realm}",service="fake-registry"'}
            )
        if request.path == "/v2/example/wastecoach/manifests/v1":
            return Response(status=200, content_type="application/vnd.oci.image.index.v1+json")
        return Response(
            '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', status=404, content_type="application/json"
        )

    server.expect_request("/token").respond_with_handler(handle)
    server.expect_request("/v2/example/wastecoach/manifests/v1", method="HEAD").respond_with_handler(handle)
    server.expect_request("/v2/example/wastecoach/manifests/missing", method="HEAD").respond_with_handler(
        handle
    )


def test_a_tag_missing_from_the_registry_is_refused_before_anything_changes(
    cluster: FakeCluster, kubeconfig: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _registry(httpserver)
    repository = f"127.0.0.1:{httpserver.port}/example/wastecoach"
    refused = run_cli(capsys, "deploy", "--tag", "missing", "--set", f"image.repository={repository}")
    assert refused.code == 2
    assert f"image {repository}:missing does not exist in the registry" in refused.err
    assert cluster.requests == []

    ok = run_cli(capsys, "deploy", "--tag", "v1", "--set", f"image.repository={repository}", "-o", "json")
    assert ok.code == 0, ok.err
    assert ok.json()["data"]["revision"] == 1
    assert ok.json()["data"]["warnings"] == []


def test_an_unreachable_registry_only_warns(
    cluster: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = run_cli(
        capsys, "deploy", "--tag", "v1", "--set", f"image.repository=127.0.0.1:{port}/example/wastecoach"
    )
    assert run.code == 0, run.err
    assert f"warning: could not ask registry 127.0.0.1:{port} whether v1 exists" in run.err


def test_without_the_helm_engine_installed_one_line_names_the_extra(kubeconfig: Path) -> None:
    """The app image has no helm-python-sdk (it is the `deploy` extra); a process without it says so."""
    import subprocess
    import sys

    code = (
        "import sys\nsys.modules['helm_python'] = None  # as in an environment without the wheel\n"
        "from wastectl.app import main\nmain(['deploy', '--tag', 'v1', '--skip-image-check'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "error: the Helm engine (helm-python-sdk) is not installed" in done.stderr
    assert "pip install 'wastectl[deploy]'" in done.stderr and "Traceback" not in done.stderr
