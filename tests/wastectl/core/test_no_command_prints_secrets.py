"""Issue 15 point 5: EVERY wastectl command, run with known secrets in its environment, options and
kubeconfig, prints none of them on stdout or stderr and writes none to its per-run log.

The commands run against dead endpoints, so most take their error path (where a URL with its
password is most likely to be echoed); `--debug` gives the most logging. A new command fails
`test_every_command_is_covered` until it is added to `ARGV`.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.support.cli import command_paths, free_port
from tests.wastectl.fleet.harness import cli_env

REPO = Path(__file__).resolve().parents[3]
DEAD = free_port()  # nothing listens here

ENV_SECRETS = {
    "WASTE_DATABASE_URL": f"postgresql://waste:EnvDbSecret9@127.0.0.1:{DEAD}/waste",
    "WASTE_BROKER_URL": f"amqp://guest:EnvBrokerSecret9@127.0.0.1:{DEAD}//",
    "WASTE_REDIS_URL": f"redis://:EnvRedisSecret9@127.0.0.1:{DEAD}/0",
    "WASTE_OPENAI_API_KEY": "sk-EnvOpenAISecret9",
    "WASTE_JWT_SECRET": "EnvJwtSecret9-long-enough-to-be-accepted-as-a-key",
    "WASTE_KAKAO_REST_API_KEY": "EnvKakaoSecret9",
    "WASTE_GOOGLE_CLIENT_SECRET": "EnvGoogleSecret9",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY9",
    "AWS_SECRET_ACCESS_KEY": "EnvAwsSecret9",
    "AWS_SESSION_TOKEN": "EnvAwsSession9",
    "AWS_DEFAULT_REGION": "us-east-1",
}
ARG_DB = f"postgresql://waste:ArgDbSecret9@127.0.0.1:{DEAD}/waste"
ARG_REDIS = f"redis://:ArgRedisSecret9@127.0.0.1:{DEAD}/0"
ARG_RABBIT = f"http://guest:ArgRabbitSecret9@127.0.0.1:{DEAD}"
KUBE_TOKEN = "KubeTokenSecret9"
SECRETS = (
    "EnvDbSecret9",
    "EnvBrokerSecret9",
    "EnvRedisSecret9",
    "EnvOpenAISecret9",
    "EnvJwtSecret9",
    "EnvKakaoSecret9",
    "EnvGoogleSecret9",
    "EnvAwsSecret9",
    "EnvAwsSession9",
    "ArgDbSecret9",
    "ArgRedisSecret9",
    "ArgRabbitSecret9",
    KUBE_TOKEN,
)

INV = ("--inventory", "{inventory}", "--cluster", "lab", "--accept-new", "--connect-timeout", "2")
KUBE = ("--kubeconfig", "{kubeconfig}")
TF = ("--dir", "{tfdir}")
#: One run per command: argv after `wastectl --debug`. Placeholders are filled from `files`.
ARGV: dict[str, tuple[str, ...]] = {
    "dev": ("dev", "--port", str(DEAD)),
    "config show": ("config", "show"),
    "queues": ("queues",),
    "queues dlq replay": ("queues", "dlq", "replay", "scan.analyse", "--limit", "1"),
    "data import-points": ("data", "import-points", "{points}", "--format", "generic"),
    "nodes": ("nodes", *INV),
    "ssh": ("ssh", "master", *INV, "--", "true"),
    "exec": ("exec", "--all", *INV, "--", "true"),
    "scp": ("scp", "{points}", "worker-1:/tmp/x", *INV),
    "health": (
        "health",
        *INV,
        *KUBE,
        "--database-url",
        ARG_DB,
        "--redis-url",
        ARG_REDIS,
        "--rabbitmq-api",
        ARG_RABBIT,
    ),
    "reset": ("reset", "worker-1", "--dry-run", *INV),
    "known-hosts list": ("known-hosts", "list", *INV),
    "known-hosts forget": ("known-hosts", "forget", "worker-1", *INV),
    "known-hosts fetch": ("known-hosts", "fetch", "--all", *INV),
    "cluster bootstrap": ("cluster", "bootstrap", "--check", *INV),
    "rebuild": ("rebuild", "--no-infra", "--only", "verify", "--verify-timeout", "2", "--yes", *INV),
    "destroy": (
        "destroy",
        "--dry-run",
        "--cluster",
        "lab",
        *KUBE,
        *TF,
        "--wait",
        "1",
        "--aws-endpoint-url",
        f"http://127.0.0.1:{DEAD}",
    ),
    "infra init": ("infra", "init", *TF),
    "infra plan": ("infra", "plan", *TF, "--cluster", "lab"),
    "infra apply": ("infra", "apply", *TF, "--cluster", "lab", "--yes"),
    "infra destroy": ("infra", "destroy", *TF, "--cluster", "lab", "--yes"),
    "infra output": ("infra", "output", *TF, "--cluster", "lab"),
    "infra cost": ("infra", "cost", *TF, "--cluster", "lab"),
    "status": ("status", *KUBE, "--api-url", f"http://127.0.0.1:{DEAD}"),
    "logs": ("logs", "api", *KUBE),
    "rollback": ("rollback", "1", "--yes", *KUBE),
    "deploy": ("deploy", "--tag", "v1", "--skip-image-check", *KUBE),
    "deploy history": ("deploy", "history", *KUBE),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    base = tmp_path_factory.mktemp("secrets")
    nodes = [
        {"name": "master", "role": "control-plane", "host": "127.0.0.1", "port": DEAD},
        {"name": "worker-1", "role": "worker", "host": "127.0.0.1", "port": DEAD},
    ]
    inventory = base / "nodes.yaml"
    inventory.write_text(yaml.safe_dump({"cluster": "lab", "nodes": nodes}), encoding="utf-8")
    kubeconfig = base / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "lab", "cluster": {"server": f"https://127.0.0.1:{DEAD}"}}],
                "users": [{"name": "admin", "user": {"token": KUBE_TOKEN}}],
                "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "admin"}}],
                "current-context": "lab",
            }
        ),
        encoding="utf-8",
    )
    points = base / "points.csv"
    points.write_text("name,address,lat,lng\nA,Seoul,37.5,127.0\n", encoding="utf-8")
    tfdir = base / "tf"
    tfdir.mkdir()
    yield {
        "inventory": str(inventory),
        "kubeconfig": str(kubeconfig),
        "points": str(points),
        "tfdir": str(tfdir),
    }


def test_every_command_is_covered() -> None:
    assert sorted(command_paths()) == sorted(ARGV)


@pytest.mark.parametrize("name", sorted(ARGV))
def test_command_prints_and_logs_no_secret(name: str, files: dict[str, str], tmp_path: Path) -> None:
    argv = [part.format(**files) for part in ARGV[name]]
    state = tmp_path / "state"
    env = cli_env(
        REPO,
        XDG_STATE_HOME=str(state),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        **ENV_SECRETS,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "wastectl", "--debug", *argv],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:  # a long-running command (dev): stop it like an operator would
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    log = "\n".join(p.read_text(encoding="utf-8") for p in sorted(state.glob("wastectl/logs/*.log")))
    assert log, f"{name}: no run log\n{err[-2000:]}"
    for secret in SECRETS:
        assert secret not in out, (name, secret, out[-2000:])
        assert secret not in err, (name, secret, err[-2000:])
        assert secret not in log, (name, secret)
