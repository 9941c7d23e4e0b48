"""What each rebuild stage does, and the inputs that decide whether a finished stage runs again.

Stage functions return a one-line summary or raise StageFailed (message + the tail of the
underlying tool's output). `inputs_of` only reads local files: it is what --dry-run shows.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wastectl.errors import WastectlError
from wastectl.rebuild.deploy_stage import DeploySpec, deploy, deploy_inputs
from wastectl.rebuild.errors import StageFailed
from wastectl.rebuild.state import Stage

if TYPE_CHECKING:
    from rich.console import Console

    from wastectl.fleet.cli import FleetArgs
    from wastectl.nodes.model import Inventory


__all__ = ["RUNNERS", "Context", "DeploySpec", "StageFailed", "inputs_of"]


@dataclass
class Context:
    cluster: str
    fleet: FleetArgs
    env_dir: Path | None  # the Terraform environment; None: nodes not made by us (no infra stage)
    console: Console | None
    extra_vars: dict[str, Any] = field(default_factory=dict)
    wait_timeout: float = 600.0
    poll_interval: float = 2.0
    verify_timeout: float = 300.0
    verify_layers: tuple[str, ...] = ()
    verify_ignore: tuple[str, ...] = ()
    deploy: DeploySpec | None = None  # None: --no-deploy (the cluster without the app)

    def say(self, message: str) -> None:
        if self.console is not None:
            from rich.text import Text

            self.console.print(Text(f"  {message}"))

    def inventory(self) -> Inventory:
        from wastectl.fleet.inventory import resolve

        return resolve(self.fleet.inventory)


def _files_digest(root: Path, patterns: tuple[str, ...]) -> str:
    sha = hashlib.sha256()
    if root.is_dir():
        for pattern in patterns:
            for path in sorted(root.rglob(pattern)):
                if ".terraform" in path.parts or "artifacts" in path.parts:
                    continue
                sha.update(str(path.relative_to(root)).encode())
                sha.update(path.read_bytes())
    return sha.hexdigest()[:16]


def _nodes(ctx: Context) -> list[str] | str:
    try:
        return [f"{n.name}={n.ssh.user}@{n.host}:{n.ssh.port}" for n in ctx.inventory().nodes]
    except WastectlError as exc:
        return f"unresolved ({exc.message})"


def inputs_of(stage: Stage, ctx: Context) -> dict[str, Any]:
    from wastectl.cluster.inventory import ansible_dir

    if stage is Stage.preflight:
        return {
            "tools": {t: shutil.which(t) for t in ("ansible-playbook", "ssh", "terraform")},
            "env_dir": str(ctx.env_dir) if ctx.env_dir else None,
            "ssh_key": str(ctx.fleet.inventory.ssh.get("key") or ""),
            "inventory": str(ctx.fleet.inventory.inventory_file or ""),
        }
    if stage is Stage.infra:
        if ctx.env_dir is None:
            return {}
        return {
            "env_dir": str(ctx.env_dir),
            "config": _files_digest(ctx.env_dir, ("*.tf", "*.tfvars", "*.tf.json")),
        }
    if stage is Stage.wait:
        return {"nodes": _nodes(ctx)}
    if stage is Stage.bootstrap:
        return {
            "nodes": _nodes(ctx),
            "playbooks": _files_digest(ansible_dir(), ("*.yml", "*.yaml", "*.j2", "*.cfg")),
            "extra_vars": ctx.extra_vars,
        }
    if stage is Stage.deploy:
        return deploy_inputs(ctx)
    return {"nodes": _nodes(ctx), "layers": list(ctx.verify_layers), "ignore": list(ctx.verify_ignore)}


# -- preflight -------------------------------------------------------------------------------
def _version(cmd: list[str]) -> str | None:
    import subprocess

    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (
        (done.stdout or done.stderr).splitlines()[0].strip()
        if done.returncode == 0 and (done.stdout or done.stderr)
        else None
    )


def preflight(ctx: Context) -> str:
    """Every problem at once: tools on PATH, AWS identity, SSH key, configuration."""
    import sys

    problems: list[str] = []
    found: list[str] = []
    venv_bin = Path(sys.executable).parent
    playbook = shutil.which("ansible-playbook") or str(venv_bin / "ansible-playbook")
    version = _version([playbook, "--version"]) if Path(playbook).exists() else None
    (found.append(version) if version else problems.append("ansible-playbook not found or not runnable"))
    ssh = shutil.which("ssh")
    if ssh is None:
        problems.append("ssh (OpenSSH client) not on PATH")
    if ctx.env_dir is not None:
        tf = shutil.which("terraform")
        tf_version = _version([tf, "version"]) if tf else None
        (found.append(tf_version) if tf_version else problems.append("terraform not on PATH or not runnable"))
        if not ctx.env_dir.is_dir():
            problems.append(f"Terraform environment {ctx.env_dir} does not exist")
        problem = _aws_identity(ctx)
        if problem:
            problems.append(problem)
    key = ctx.fleet.inventory.ssh.get("key")
    if key is None and ctx.fleet.inventory.inventory_file is not None:
        try:
            nodes = ctx.inventory().nodes
            key = nodes[0].ssh.key if nodes else None
        except WastectlError as exc:
            problems.append(f"inventory: {exc.message}")
    if key is not None and not os.access(key, os.R_OK):
        problems.append(f"SSH key {key} is not readable")
    try:
        from wastectl import settings

        settings.load()
    except WastectlError as exc:
        problems.append(f"configuration: {exc.message}")
    from wastectl.cluster.inventory import ansible_dir

    if not (ansible_dir() / "site.yml").is_file():
        problems.append(f"playbook {ansible_dir() / 'site.yml'} not found")
    if problems:
        raise StageFailed(f"{len(problems)} preflight problem(s)", tail="\n".join(f"- {p}" for p in problems))
    return "; ".join(found)


def _aws_identity(ctx: Context) -> str | None:
    """STS GetCallerIdentity (against --aws-endpoint-url when given); None when it answers."""
    try:
        import boto3  # type: ignore[import-untyped]
        from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
    except ImportError:
        return "boto3 is not installed"
    try:
        client = boto3.client(
            "sts",
            region_name=ctx.fleet.inventory.region or "ap-northeast-2",
            endpoint_url=ctx.fleet.inventory.endpoint_url,
        )
        identity = client.get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        return f"AWS identity: {exc}"
    ctx.say(f"AWS identity {identity.get('Arn')}")
    return None


# -- infra, wait -----------------------------------------------------------------------------
def infra(ctx: Context) -> str:
    if ctx.env_dir is None:
        return "no Terraform environment (static inventory): nothing to apply"
    from wastectl.infra.service import provision

    try:
        outputs = provision(ctx.env_dir, ctx.cluster, on_event=ctx.say)
    except WastectlError as exc:
        raise StageFailed(
            exc.message.splitlines()[0], tail="\n".join(exc.message.splitlines()[-15:])
        ) from None
    return f"outputs saved to {outputs}"


def _ssh_banner(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            return sock.recv(64).startswith(b"SSH-")
    except OSError:
        return False


def wait(ctx: Context) -> str:
    """Poll until every node answers SSH (and EC2 status checks pass for EC2 nodes); no fixed sleeps."""
    inventory = ctx.inventory()
    deadline = time.monotonic() + ctx.wait_timeout
    pending = {n.name: n for n in inventory.nodes}
    ec2_ids = [
        n.instance_id for n in inventory.nodes if n.instance_id and not inventory.source.startswith("static:")
    ]
    started = time.monotonic()
    while True:
        for name, node in list(pending.items()):
            if _ssh_banner(node.host, node.ssh.port, min(5.0, node.ssh.connect_timeout)):
                ctx.say(f"{name}: SSH up after {time.monotonic() - started:.1f}s")
                del pending[name]
        ec2_problem = _ec2_status(ctx, ec2_ids) if ec2_ids else None
        if not pending and ec2_problem is None:
            return f"{len(inventory.nodes)} node(s) reachable in {time.monotonic() - started:.1f}s"
        if time.monotonic() + ctx.poll_interval > deadline:
            waiting = [f"{n} ({pending[n].host}:{pending[n].ssh.port})" for n in sorted(pending)]
            lines = [f"SSH not reachable: {', '.join(waiting)}"] if waiting else []
            if ec2_problem:
                lines.append(ec2_problem)
            raise StageFailed(f"nodes not ready after {ctx.wait_timeout:g}s", tail="\n".join(lines))
        time.sleep(ctx.poll_interval)


def _ec2_status(ctx: Context, ids: list[str]) -> str | None:
    """None when every instance passes both EC2 status checks, else what is still pending."""
    from botocore.exceptions import BotoCoreError, ClientError

    from wastectl.fleet.sources import ec2_client

    try:
        answer = ec2_client(ctx.fleet.inventory).describe_instance_status(
            InstanceIds=ids, IncludeAllInstances=True
        )
    except (BotoCoreError, ClientError) as exc:
        return f"EC2 status checks: {exc}"
    waiting = [
        s["InstanceId"]
        for s in answer.get("InstanceStatuses", [])
        if s.get("InstanceStatus", {}).get("Status") != "ok"
        or s.get("SystemStatus", {}).get("Status") != "ok"
    ]
    return f"EC2 status checks pending: {', '.join(waiting)}" if waiting else None


# -- bootstrap, verify -----------------------------------------------------------------------
def bootstrap(ctx: Context) -> str:
    from wastectl.cluster.runner import BootstrapOptions
    from wastectl.cluster.service import bootstrap as run_bootstrap
    from wastectl.fleet.inventory import default_tf_outputs_path

    inventory = ctx.inventory()
    options = BootstrapOptions(
        extra_vars=ctx.extra_vars,
        accept_new=ctx.fleet.accept_new,
        tf_outputs=ctx.fleet.inventory.tf_outputs or default_tf_outputs_path(ctx.cluster),
    )
    result = run_bootstrap(inventory, options, ctx.console)
    if not result.ok:
        shown = [f.line() for f in result.failures] or [result.stdout_tail()]
        raise StageFailed(
            f"site.yml failed ({result.status}, rc={result.rc}); runner artifacts: {result.artifacts}",
            tail="\n".join(shown[-15:]),
        )
    return f"site.yml ok, {result.changed_total()} change(s) in {result.progress.elapsed:.1f}s"


def verify(ctx: Context) -> str:
    """`health --wait`: the same engine, polled until healthy or the timeout."""
    from wastectl.cluster.inventory import cluster_dir
    from wastectl.health.model import Layer
    from wastectl.health.runner import HealthOptions, run_cluster

    inventory = ctx.inventory()
    kubeconfig = cluster_dir(ctx.cluster) / "admin.conf"
    options = HealthOptions(
        layers=frozenset(Layer(x) for x in ctx.verify_layers) if ctx.verify_layers else frozenset(Layer),
        ignore=frozenset(x.lower() for x in ctx.verify_ignore),
        kubeconfig=kubeconfig if kubeconfig.is_file() and inventory.kubeconfig is None else None,
        accept_new=ctx.fleet.accept_new,
    )
    deadline = time.monotonic() + ctx.verify_timeout
    rounds = 0
    while True:
        rounds += 1
        report = run_cluster(inventory, options)
        if int(report.exit_code) == 0:
            return f"healthy after {rounds} round(s), score {report.score}/100"
        if time.monotonic() + ctx.poll_interval > deadline:
            lines = [f"[ERROR {r.id}] {r.target}: {r.message}" for r in report.errors]
            raise StageFailed(
                f"not healthy after {ctx.verify_timeout:g}s ({rounds} round(s))", tail="\n".join(lines[-15:])
            )
        ctx.say(f"round {rounds}: {len(report.errors)} error(s), retrying")
        time.sleep(ctx.poll_interval)


RUNNERS = {
    Stage.preflight: preflight,
    Stage.infra: infra,
    Stage.wait: wait,
    Stage.bootstrap: bootstrap,
    Stage.deploy: deploy,
    Stage.verify: verify,
}
