"""Run site.yml through ansible-runner and report from its events.

ansible-runner needs `ansible-playbook` on PATH inside its own environment (so PATH goes into
envvars; `binary=` would drop the playbook argument), and ANSIBLE_HOME keeps ~/.ansible untouched.
The runner's artifacts folder (stdout, job_events/, rc, status) is the run's log.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from wastectl.cluster import inventory as cluster_inventory
from wastectl.cluster.progress import Failure, Progress
from wastectl.errors import UsageError, WastectlError
from wastectl.nodes.model import Inventory


@dataclass(frozen=True)
class BootstrapOptions:
    check: bool = False
    tags: tuple[str, ...] = ()
    limit: str | None = None
    start_at_task: str | None = None
    extra_vars: dict[str, Any] = field(default_factory=dict)
    accept_new: bool = False
    tf_outputs: Path | None = None
    playbook: str = "site.yml"


@dataclass
class BootstrapResult:
    status: str  # successful | failed | canceled | timeout
    rc: int
    artifacts: Path
    progress: Progress
    kubeconfig: Path

    @property
    def ok(self) -> bool:
        return self.status == "successful" and self.rc == 0

    @property
    def failures(self) -> list[Failure]:
        return self.progress.failures

    def changed_total(self) -> int:
        return sum(c.changed for c in self.progress.hosts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "rc": self.rc,
            "elapsed_s": round(self.progress.elapsed, 2),
            "plays": self.progress.plays,
            "hosts": self.progress.totals(),
            "changed": self.changed_total(),
            "failures": [f.__dict__ for f in self.failures],
            "artifacts": str(self.artifacts),
            "kubeconfig": str(self.kubeconfig),
        }

    def stdout_tail(self, lines: int = 15) -> str:
        out = self.artifacts / "stdout"
        if not out.is_file():
            return ""
        return "\n".join(out.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def _env(private: Path, playbooks: Path) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    return {
        "PATH": os.pathsep.join([venv_bin, os.environ.get("PATH", "/usr/bin:/bin")]),
        "ANSIBLE_HOME": str(private / "ansible_home"),
        "ANSIBLE_CONFIG": str(playbooks / "ansible.cfg"),
        "ANSIBLE_ROLES_PATH": str(playbooks / "roles"),
        "ANSIBLE_NOCOLOR": "1",
        # ansible-runner defaults this to False; the cluster's known_hosts decides instead.
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
    }


def _cmdline(options: BootstrapOptions) -> str | None:
    import shlex

    args: list[str] = []
    if options.check:
        args += ["--check", "--diff"]
    if options.start_at_task:
        args += ["--start-at-task", options.start_at_task]
    return " ".join(shlex.quote(a) for a in args) or None


def run_site(
    inventory: Inventory,
    options: BootstrapOptions,
    *,
    on_event: Callable[[Progress, str | None], None] | None = None,
) -> BootstrapResult:
    """Run the playbook against every node of `inventory`; never raises for a failed play."""
    import ansible_runner

    playbooks = cluster_inventory.ansible_dir()
    if not (playbooks / options.playbook).is_file():
        raise UsageError(
            f"playbook not found: {playbooks / options.playbook}", hint="set WASTECTL_ANSIBLE_DIR"
        )
    base = cluster_inventory.cluster_dir(inventory.cluster)
    private = base / "ansible"
    (private / "inventory").mkdir(parents=True, exist_ok=True)
    hosts = cluster_inventory.build(inventory, accept_new=options.accept_new)
    inv_file = private / "inventory" / "hosts.yml"
    inv_file.write_text(yaml.safe_dump(hosts, sort_keys=False), encoding="utf-8")
    kubeconfig = base / "admin.conf"
    credentials = base / "credentials"
    credentials.mkdir(parents=True, exist_ok=True, mode=0o700)
    extravars = {
        "cluster_name": inventory.cluster,
        "kubeconfig_dest": str(kubeconfig),
        "credentials_dir": str(credentials),
        **cluster_inventory.infra_vars(options.tf_outputs),
        **options.extra_vars,
    }
    progress = Progress()

    def handler(event: dict[str, Any]) -> bool:
        line = progress.handle(event)
        if on_event is not None:
            on_event(progress, line)
        return True

    kwargs: dict[str, Any] = {}
    if options.tags:
        kwargs["tags"] = ",".join(options.tags)
    if options.limit:
        kwargs["limit"] = options.limit
    cmdline = _cmdline(options)
    if cmdline:
        kwargs["cmdline"] = cmdline
    interrupted = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C: let the runner stop ansible-playbook (its own session, so it never sees the
        # terminal's SIGINT) through cancel_callback, then raise KeyboardInterrupt here.
        previous = signal.signal(signal.SIGINT, lambda *_: interrupted.set())
    try:
        runner = ansible_runner.run(
            private_data_dir=str(private),
            project_dir=str(playbooks),
            playbook=options.playbook,
            inventory=str(inv_file),
            extravars=extravars,
            envvars=_env(private, playbooks),
            event_handler=handler,
            quiet=True,
            rotate_artifacts=20,
            cancel_callback=interrupted.is_set,
            settings={"pexpect_timeout": 0.5},
            **kwargs,
        )
    except (OSError, RuntimeError, ValueError) as exc:
        raise WastectlError(f"ansible-runner could not start: {exc}") from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if interrupted.is_set():
        raise KeyboardInterrupt
    artifacts = Path(runner.config.artifact_dir)
    return BootstrapResult(
        status=str(runner.status),
        rc=int(runner.rc or 0),
        artifacts=artifacts,
        progress=progress,
        kubeconfig=kubeconfig,
    )
