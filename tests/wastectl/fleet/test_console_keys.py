"""`known-hosts fetch`: host keys from the EC2 console output, then SSH without --accept-new.

The EC2 Query API is faked with pytest-httpserver (moto's console output is a fixed text without
host keys); boto3 talks to it over HTTP exactly as to EC2.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.wastectl.fleet.cli import run_cli
from tests.wastectl.fleet.harness import Fleet
from wastectl.fleet.consolekeys import parse_console

CONSOLE = """[   12.3] cloud-init[987]: Cloud-init v. 23.1 running 'modules:final'
ec2:
ec2: #############################################################
ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----
ec2: 256 SHA256:abc root@ip-10-0-1-10 (ED25519)
ec2: -----END SSH HOST KEY FINGERPRINTS-----
-----BEGIN SSH HOST KEY KEYS-----
{key}
-----END SSH HOST KEY KEYS-----
[   13.0] cloud-init[987]: Cloud-init v. 23.1 finished
"""


def _console_handler(keys: dict[str, str]) -> object:
    def handler(request: Request) -> Response:
        form = request.form
        assert form["Action"] == "GetConsoleOutput"
        instance = form["InstanceId"]
        text = CONSOLE.format(key=keys[instance]) if instance in keys else "booting...\n"
        output = base64.b64encode(text.encode()).decode()
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<GetConsoleOutputResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            f"<requestId>r-1</requestId><instanceId>{instance}</instanceId>"
            f"<timestamp>2026-11-30T05:00:00.000Z</timestamp><output>{output}</output>"
            "</GetConsoleOutputResponse>"
        )
        return Response(body, content_type="text/xml")

    return handler


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_fetch_from_console_then_connect_without_accept_new(
    fleet: Fleet, tmp_path: Path, httpserver: HTTPServer, aws_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fleet.write_inventory(tmp_path / "inv.yaml")
    data = yaml.safe_load(path.read_text())
    for index, node in enumerate(data["nodes"]):
        node["instance_id"] = f"i-0000{index}"
    path.write_text(yaml.safe_dump(data))
    master = fleet.node("master")
    host_key = " ".join((master.dir / "hostkey.pub").read_text().split()[:2])
    httpserver.expect_request("/", method="POST").respond_with_handler(
        _console_handler({"i-00000": host_key})
    )
    endpoint = httpserver.url_for("/")

    run = run_cli(
        capsys,
        "known-hosts",
        "fetch",
        "master",
        "worker-1",
        "--inventory",
        str(path),
        "--aws-endpoint-url",
        endpoint,
        "--region",
        "ap-northeast-2",
    )
    assert run.code == 3  # master ok, worker-1 has no keys yet
    assert "master: recorded 1 key(s)" in run.err
    assert "worker-1: no SSH host keys in the console output" in run.err

    run = run_cli(capsys, "ssh", "master", "--inventory", str(path), "--", "echo trusted")
    assert run.code == 0, run.err
    run = run_cli(capsys, "ssh", "worker-1", "--inventory", str(path), "--", "true")
    assert run.code == 1 and "unknown host key" in run.err


def test_node_without_instance_id(
    fleet: Fleet, inventory: Path, aws_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, "known-hosts", "fetch", "storage", "--inventory", str(inventory))
    assert run.code == 1
    assert "node storage has no EC2 instance id" in run.err


def test_parse_console_takes_only_well_formed_keys() -> None:
    text = CONSOLE.format(
        key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== root@x\nssh-rsa not-base64!! root@x\nbogus"
    )
    assert parse_console(text) == [("ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIA==")]
    assert parse_console("no block here") == []
