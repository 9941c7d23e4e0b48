"""Issue 15 point 5 for the fleet commands: every fleet command, run with known secrets in the
environment, the options and the kubeconfig, prints none of them and logs none of them."""

from __future__ import annotations

from pathlib import Path

from tests.wastectl.fleet.harness import Fleet, free_port
from tests.wastectl.fleet.test_secrets import assert_no_secret, run_logged
from tests.wastectl.health.fakekube import TOKEN, FakeKube

ENV_SECRETS = {
    "WASTE_DATABASE_URL": "postgresql://waste:EnvDbSecret9@127.0.0.1:1/waste",
    "WASTE_OPENAI_API_KEY": "sk-EnvOpenAISecret9",
    "WASTE_BROKER_URL": "amqp://guest:EnvBrokerSecret9@127.0.0.1:1//",
    "AWS_SECRET_ACCESS_KEY": "EnvAwsSecret9",
}
SECRETS = (
    "EnvDbSecret9",
    "EnvOpenAISecret9",
    "EnvBrokerSecret9",
    "EnvAwsSecret9",
    "ArgDbSecret9",
    "ArgRedisSecret9",
    "ArgRabbitSecret9",
    TOKEN,
)


def test_no_fleet_command_prints_or_logs_a_secret(
    *, fleet: Fleet, inventory: Path, kube: FakeKube, kubeconfig: Path, tmp_path: Path
) -> None:
    import os

    dead = free_port("127.0.0.1")
    inv = ("--inventory", str(inventory), "--accept-new")
    local = tmp_path / "payload.txt"
    local.write_text("payload\n")
    commands = [
        ["nodes", *inv[:2]],
        ["nodes", *inv[:2], "-o", "json"],
        ["ssh", "master", *inv, "--", "echo ok"],
        ["exec", "--all", *inv, "-o", "json", "--", "true"],
        ["scp", str(local), f"worker-1:{fleet.node('worker-1').dir}/payload.txt", *inv],
        ["known-hosts", "list", "--cluster", "testc"],
        [
            "health",
            *inv,
            "--kubeconfig",
            str(kubeconfig),
            "--database-url",
            f"postgresql://waste:ArgDbSecret9@127.0.0.1:{dead}/waste",
            "--redis-url",
            f"redis://:ArgRedisSecret9@127.0.0.1:{dead}/0",
            "--rabbitmq-api",
            f"http://guest:ArgRabbitSecret9@127.0.0.1:{dead}",
        ],
        ["health", "--list"],
        ["reset", "all", "--dry-run", *inv[:2]],
        [
            "reset",
            "worker-1",
            "--yes",
            "--cluster",
            "testc",
            *inv,
            "--kubeconfig",
            str(kubeconfig),
        ],
        ["ssh", "nosuchnode", *inv, "--", "true"],  # an error path too
    ]
    for argv in commands:
        done, log = run_logged(tmp_path, "--debug", *argv, env=ENV_SECRETS)  # debug: the most logging
        assert done.returncode in (0, 1, 2), (argv, done.stderr)
        assert_no_secret(done, log, SECRETS)
    assert os.environ.get("WASTE_OPENAI_API_KEY") is None  # the secrets lived only in the child runs
    assert kube.find("nodes", "k8s-worker-1") is None  # the reset really ran
