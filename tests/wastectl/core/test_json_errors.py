"""Issue 17 point 7: EVERY wastectl command, run with `-o json` in a failing situation, prints one
JSON envelope on stdout whose `errors[]` entries all have the shape docs/cli.md gives
(`code`, `message`, `target`, `hint`), whether the command failed in its own words (a health
check, a reset leftover, a skipped row) or on the way (a dead endpoint, a missing inventory).

The runs are in-process (fast); each points at dead endpoints or broken input. A new command
fails `test_every_command_is_covered` until it is added to `FAILING`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import command_paths
from tests.wastectl.core.test_no_command_prints_secrets import DEAD, files
from tests.wastectl.fleet.cli import run_cli

__all__ = ["files"]  # the inventory, kubeconfig, CSV and Terraform folder, all pointing at DEAD
KEYS = {"code", "message", "target", "hint"}

INV = ("--inventory", "{inventory}", "--cluster", "lab", "--connect-timeout", "1")
KUBE = ("--kubeconfig", "{kubeconfig}")
TF = ("--dir", "{tfdir}")
#: One failing run per command (argv after `wastectl`), `-o json` added to each.
FAILING: dict[str, tuple[str, ...]] = {
    "dev": ("dev", "--port", str(DEAD)),  # its database is dead
    "config show": ("config", "show"),  # WASTE_REDIS_URL is not a URL
    "queues": ("queues",),
    "queues dlq replay": ("queues", "dlq", "replay", "scan.analyse", "--limit", "1"),
    "data import-points": ("data", "import-points", "{points}", "--format", "generic", "--strict"),
    "nodes": ("nodes", "--inventory", "{tfdir}/missing"),
    "ssh": ("ssh", "master", *INV, "--", "true"),
    "exec": ("exec", "--all", *INV, "--", "true"),
    "scp": ("scp", "{points}", "worker-1:/tmp/x", *INV),
    "health": ("health", *INV, *KUBE),
    "reset": ("reset", "worker-1", "--yes", "--skip-drain", "--keep-node", *INV),  # preflight fails
    "known-hosts list": ("known-hosts", "list", "--cluster", "corrupt"),  # its known_hosts is not text
    "known-hosts forget": ("known-hosts", "forget", "worker-9", *INV),
    "known-hosts fetch": ("known-hosts", "fetch", "--all", *INV),
    "cluster bootstrap": ("cluster", "bootstrap", "--check", *INV),
    "rebuild": ("rebuild", "--no-infra", "--only", "verify", "--verify-timeout", "1", "--yes", *INV),
    "destroy": ("destroy", "--dry-run", "--cluster", "lab", *KUBE, *TF, "--wait", "1"),
    "infra init": ("infra", "init", "--dir", "{tfdir}/missing"),
    "infra plan": ("infra", "plan", "--dir", "{tfdir}/missing", "--cluster", "lab"),
    "infra apply": ("infra", "apply", "--dir", "{tfdir}/missing", "--cluster", "lab", "--yes"),
    "infra destroy": ("infra", "destroy", "--dir", "{tfdir}/missing", "--cluster", "lab", "--yes"),
    "infra output": ("infra", "output", "--dir", "{tfdir}/missing", "--cluster", "lab"),
    "infra cost": ("infra", "cost", "--dir", "{tfdir}/missing", "--cluster", "lab"),
    "status": ("status", *KUBE, "--api-url", f"http://127.0.0.1:{DEAD}"),
    "logs": ("logs", "api", *KUBE),
    "rollback": ("rollback", "1", "--yes", *KUBE),
    "deploy": ("deploy", "--tag", "v1", "--skip-image-check", *KUBE),
    "deploy history": ("deploy", "history", *KUBE),
}


@pytest.fixture
def failing_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith(("WASTE_", "WASTECTL_", "AWS_")):
            monkeypatch.delenv(key)
    for key in ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(key, str(tmp_path / key.lower()))
    monkeypatch.setenv("WASTE_DATABASE_URL", f"postgresql://waste:pw@127.0.0.1:{DEAD}/waste")
    monkeypatch.setenv("WASTE_BROKER_URL", f"amqp://guest:guest@127.0.0.1:{DEAD}//")
    monkeypatch.setenv("WASTE_RABBITMQ_MANAGEMENT_URL", f"http://127.0.0.1:{DEAD}")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{DEAD}")
    known = tmp_path / "xdg_state_home/wastectl/known_hosts/corrupt"
    known.parent.mkdir(parents=True)
    known.write_bytes(b"\xff\xfe not text\n")


def test_every_command_is_covered() -> None:
    assert sorted(command_paths()) == sorted(FAILING)


@pytest.mark.usefixtures("failing_env")
@pytest.mark.parametrize("name", sorted(FAILING))
def test_a_failing_command_prints_one_envelope_with_the_one_error_shape(
    name: str, files: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if name == "config show":
        monkeypatch.setenv("WASTE_REDIS_URL", "not-a-url")
    argv = [part.format(**files) for part in FAILING[name]]
    if "--" in argv:  # options go before `--` (what follows is the remote command)
        cut = argv.index("--")
        argv[cut:cut] = ["-o", "json"]
    else:
        argv += ["-o", "json"]
    run = run_cli(capsys, *argv)
    assert run.code != 0, (name, run.out[-2000:], run.err[-2000:])
    body = json.loads(run.out)  # exactly one JSON document on stdout, nothing else
    assert body["apiVersion"] == "wastectl/v1" and body["command"] == name
    assert body["ok"] is False and body["errors"], body
    for error in body["errors"]:
        assert set(error) == KEYS, error
        assert isinstance(error["message"], str) and error["message"], error
        assert all(error[key] is None or isinstance(error[key], str) for key in ("code", "target", "hint"))
