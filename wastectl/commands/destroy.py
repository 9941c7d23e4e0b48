"""`wastectl destroy`: take the whole cluster down and leave no orphans.

1. Kubernetes (when the cluster answers): delete LoadBalancer Services, Ingresses and PVCs so
   their controllers remove the ALBs/NLBs and EBS volumes.
2. AWS (boto3): sweep what is still tagged for this cluster and blocks the VPC's deletion
   (load balancers, target groups, `k8s-*` security groups, ENIs, volumes).
3. `terraform destroy`.
Exit 0 when everything went, 3 when something could not be removed, 1 when Terraform failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from wastectl.errors import UsageError
from wastectl.exitcodes import ExitCode
from wastectl.infra.options import DirOption, EnvOption, confirm, env_dir
from wastectl.output import ErrorEntry, OutputFormat, OutputOption, Printer


def _saved_outputs(cluster: str) -> dict[str, Any]:
    from wastectl.fleet.inventory import read_json
    from wastectl.infra import service

    path = service.outputs_path(cluster)
    if not path.is_file():
        return {}
    raw = read_json(path)
    return {k: v.get("value") for k, v in raw.items() if isinstance(v, dict)} if isinstance(raw, dict) else {}


def _state_outputs(workdir: Path) -> dict[str, Any]:
    """The outputs recorded in the environment's state (after `terraform init`), by name."""
    from wastectl.infra import service

    service.init(workdir)
    raw = service.outputs(workdir)
    return {k: v.get("value") for k, v in raw.items() if isinstance(v, dict)}


def destroy(
    *,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster", help="Cluster to destroy (required with --yes).", envvar="WASTECTL_CLUSTER"
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="No typed confirmation (needs --cluster).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be deleted; delete nothing.")
    ] = False,
    env: EnvOption = "prod",
    directory: DirOption = None,
    kubeconfig: Annotated[
        Path | None,
        typer.Option("--kubeconfig", help="Admin kubeconfig of this cluster.", envvar="WASTECTL_KUBECONFIG"),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="AWS region (default: the outputs' region).")
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option("--aws-endpoint-url", help="AWS endpoint (tests).", envvar="AWS_ENDPOINT_URL"),
    ] = None,
    wait: Annotated[float, typer.Option("--wait", min=0, help="Seconds to wait for deletions.")] = 180.0,
    output: OutputOption = OutputFormat.table,
) -> int:
    """Destroy the cluster: Kubernetes-made AWS resources first, then a tag sweep, then Terraform.

    Never touches an AWS resource that lacks this cluster's tag.

    Examples:
      wastectl destroy --dry-run --cluster sesacthon --kubeconfig admin.conf
      wastectl destroy --cluster sesacthon --yes
    """
    from wastectl.infra.progress import Progress
    from wastectl.infra.sweep import Sweeper

    p = Printer("destroy", output)
    if yes and not cluster:
        raise UsageError("--yes needs --cluster NAME (the cluster you mean to destroy)")
    name = cluster or "sesacthon"
    workdir = env_dir(env, directory)
    saved = _saved_outputs(name)
    if saved.get("cluster_name") and saved["cluster_name"] != name:
        raise UsageError(f"the saved outputs are for cluster {saved['cluster_name']!r}, not {name!r}")
    live = _state_outputs(workdir)
    if live.get("cluster_name") and live["cluster_name"] != name:
        raise UsageError(
            f"the Terraform state in {workdir} is cluster {live['cluster_name']!r}, not {name!r}",
            hint=f"wastectl destroy --cluster {live['cluster_name']}",
        )
    saved = live or saved
    where = region or saved.get("region") or "ap-northeast-2"
    if not yes and not dry_run:
        confirm(p, f"This DESTROYS cluster {name!r} ({where}) and everything Kubernetes made.", expected=name)
    data: dict[str, Any] = {"cluster": name, "region": where, "dry_run": dry_run}
    with Progress(p.err, "destroy") as progress:
        data["kubernetes"] = _kubernetes(kubeconfig, saved, dry_run, wait, progress)
        sweeper = Sweeper(name, saved.get("vpc_id"), where, endpoint_url=endpoint_url, wait_seconds=wait)
        sweeper.on_event = progress
        data["aws"] = sweeper.sweep(dry_run=dry_run).as_dict()
        if not dry_run:
            _terraform(workdir, name, progress, p, data)
            data["terraform"] = "destroyed"
    partial = (
        bool(data["aws"]["failed"])
        or bool((data["kubernetes"] or {}).get("failed"))
        or bool((data["kubernetes"] or {}).get("lingering"))
    )
    p.result(data, lambda q: _render(q, data), ok=not partial, errors=_errors(data))
    return int(ExitCode.PARTIAL if partial else ExitCode.OK)


def _kubernetes(
    kubeconfig: Path | None, saved: dict[str, Any], dry_run: bool, wait: float, say: Any
) -> dict[str, Any] | None:
    from wastectl.infra import kubeclean
    from wastectl.kube.client import KubeClient, KubeError

    if kubeconfig is None:
        say("kubernetes: skipped (no --kubeconfig); the AWS sweep still runs")
        return {"skipped": "no kubeconfig", "found": [], "removed": [], "failed": [], "lingering": []}
    try:
        kube = KubeClient.from_kubeconfig(kubeconfig, timeout=10)
    except KubeError as exc:
        raise UsageError(exc.message) from None
    try:
        try:
            nodes = kube.items("/api/v1/nodes")
        except KubeError as exc:
            say(f"kubernetes: skipped, the cluster does not answer ({exc.message})")
            return {"skipped": exc.message, "found": [], "removed": [], "failed": [], "lingering": []}
        _same_cluster(nodes, saved, kube.server)
        report = kubeclean.clean(kube, dry_run=dry_run, wait_seconds=wait, on_event=say)
        return report.as_dict()
    finally:
        kube.close()


def _same_cluster(nodes: list[dict[str, Any]], saved: dict[str, Any], server: str) -> None:
    """Refuse a kubeconfig whose nodes are not this cluster's (by private IP, when outputs exist)."""
    known = {str(n.get("private_ip")) for n in (saved.get("nodes") or {}).values() if isinstance(n, dict)}
    if not known:
        return
    seen = {
        a.get("address")
        for node in nodes
        for a in (node.get("status") or {}).get("addresses") or []
        if a.get("type") == "InternalIP"
    }
    if not known & seen:
        raise UsageError(
            f"the kubeconfig's cluster ({server}) has none of this cluster's nodes "
            f"(private IPs {', '.join(sorted(known))}); refusing to delete anything in it",
            hint="pass the admin kubeconfig of the cluster being destroyed",
        )


def _terraform(workdir: Path, cluster: str, say: Any, p: Printer, data: dict[str, Any]) -> None:
    from wastectl.infra import service
    from wastectl.infra.terraform import InfraError

    try:
        service.destroy(workdir, cluster, on_event=say)
    except InfraError:
        data["terraform"] = "failed"
        if not p.json:
            _render(p, data)
        raise


def _errors(data: dict[str, Any]) -> list[ErrorEntry]:
    kube = data.get("kubernetes") or {}
    aws = data.get("aws") or {}
    return (
        [ErrorEntry("still deleting", target=ref, code="Lingering") for ref in kube.get("lingering", [])]
        + [ErrorEntry(i["error"], target=i["object"], code="DeleteFailed") for i in kube.get("failed", [])]
        + [
            ErrorEntry(i["error"], target=f"{i['kind']} {i['id']}", code="DeleteFailed")
            for i in aws.get("failed", [])
        ]
    )


def _render(p: Printer, data: dict[str, Any]) -> None:
    verb = "would delete" if data["dry_run"] else "deleted"
    kube = data.get("kubernetes") or {}
    aws = data.get("aws") or {}
    rows: list[tuple[str, str, str]] = []
    for ref in kube.get("found" if data["dry_run"] else "removed", []):
        rows.append(("kubernetes", ref, verb))
    for ref in kube.get("lingering", []):
        rows.append(("kubernetes", ref, "still deleting"))
    for item in kube.get("failed", []):
        rows.append(("kubernetes", item["object"], "FAILED: " + item["error"][:80]))
    for item in aws.get("found" if data["dry_run"] else "removed", []):
        rows.append((item["kind"], f"{item['name'] or item['id']} ({item['id']})", verb))
    for item in aws.get("failed", []):
        rows.append((item["kind"], item["id"], "FAILED: " + item["error"][:80]))
    if rows:
        p.table(
            f"Cluster {data['cluster']}: what Kubernetes left in AWS", ["kind", "resource", "result"], rows
        )
    else:
        p.info("nothing tagged for this cluster was left outside Terraform")
    if data.get("terraform") == "destroyed":
        p.info(f"terraform destroy: cluster {data['cluster']!r} is gone")
