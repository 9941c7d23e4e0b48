"""`wastectl infra`: Terraform for the AWS side (init, plan, apply, destroy, output, cost).

Plans are saved per cluster and applied exactly as reviewed; outputs are saved where
`wastectl nodes --source terraform` and `wastectl rebuild` read them (docs/infra.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from wastectl.errors import UsageError, WastectlError
from wastectl.exitcodes import ExitCode
from wastectl.infra.options import (
    DEFAULT_CLUSTER,
    ClusterOption,
    DirOption,
    EnvOption,
    VarOption,
    YesOption,
    confirm,
    env_dir,
    parse_vars,
)
from wastectl.infra.render import nodes_table, render_summary
from wastectl.output import OutputFormat, OutputOption, Printer

if TYPE_CHECKING:
    from wastectl.infra.plan import PlanSummary

app = typer.Typer(
    help="Terraform for the AWS side: plan with a cost line, apply exactly that plan, outputs.",
    no_args_is_help=True,
)


def _cost_data(summary: PlanSummary, region: str | None) -> dict[str, Any] | None:
    from wastectl.infra import cost

    nodes = summary.nodes_after
    if nodes is None:
        return None
    where = region or summary.region or "ap-northeast-2"
    before = cost.estimate(summary.nodes_before, where) if summary.nodes_before else None
    return cost.compare(cost.estimate(nodes, where), before)


def _progress(p: Printer, title: str) -> Any:
    from wastectl.infra.progress import Progress

    return Progress(p.err, title)


@app.command()
def init(
    *,
    env: EnvOption = "prod",
    directory: DirOption = None,
    upgrade: Annotated[bool, typer.Option("--upgrade", help="Upgrade providers and modules.")] = False,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Initialise the environment: backend, providers, modules (`terraform init -input=false`).

    Example: wastectl infra init --env prod
    """
    from wastectl.infra import service

    workdir = env_dir(env, directory)
    p = Printer("infra init", output)
    with _progress(p, "terraform init"):
        text = service.init(workdir, upgrade=upgrade)
    done = "successfully initialized" in text
    data = {"dir": str(workdir.resolve()), "upgraded": upgrade, "initialized": done}
    p.result(data, lambda q: q.info(f"initialized {workdir.resolve()}" if done else text.strip()[-500:]))


@app.command()
def plan(
    *,
    env: EnvOption = "prod",
    directory: DirOption = None,
    cluster: ClusterOption = DEFAULT_CLUSTER,
    var: VarOption = None,
    destroy: Annotated[bool, typer.Option("--destroy", help="Plan destroying everything.")] = False,
    region: Annotated[str | None, typer.Option("--region", help="Region of the price table.")] = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Plan and save the plan: changes by action and type, what is replaced or destroyed, the cost.

    Examples:
      wastectl infra plan
      wastectl infra plan --var 'az_count=3' --output json
    """
    from wastectl.infra import cost, service

    workdir = env_dir(env, directory)
    p = Printer("infra plan", output)
    with _progress(p, "terraform plan") as progress:
        result = service.plan(workdir, cluster, variables=parse_vars(var), destroy=destroy, on_event=progress)
    cost_data = None if destroy else _cost_data(result.summary, region)
    data = {
        "plan_file": str(result.plan_file),
        "cluster": cluster,
        **result.summary.as_dict(),
        "cost": cost_data,
    }

    def render(q: Printer) -> None:
        render_summary(q, result.summary)
        if cost_data is not None:
            q.out.print(cost.sentence(cost_data), markup=False)
        q.info(f"plan saved: {result.plan_file}; apply it with `wastectl infra apply`")

    p.result(data, render)


@app.command()
def apply(
    *,
    env: EnvOption = "prod",
    directory: DirOption = None,
    cluster: ClusterOption = DEFAULT_CLUSTER,
    yes: YesOption = False,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Apply exactly the saved plan (refuses a stale one), then save the outputs.

    Example: wastectl infra plan && wastectl infra apply
    """
    from python_terraform import IsFlagged

    from wastectl.infra import service
    from wastectl.infra.plan import summarize
    from wastectl.infra.terraform import Terraform

    workdir = env_dir(env, directory)
    p = Printer("infra apply", output)
    service.check_fresh(workdir, cluster)
    tf = Terraform(workdir)
    summary = summarize(tf.json("show", str(service.plan_path(cluster)), no_color=IsFlagged))
    if not yes:
        render_summary(p, summary)
        confirm(p, f"Apply this plan to cluster {cluster!r}?")
    with _progress(p, "terraform apply") as progress:
        path = service.apply(workdir, cluster, on_event=progress, tf=tf)
    outputs = service.outputs(workdir, tf=tf)
    nodes = (outputs.get("nodes") or {}).get("value") or {}
    data = {"cluster": cluster, "outputs_file": str(path), **summary.as_dict(), "nodes": nodes}

    def render(q: Printer) -> None:
        nodes_table(q, nodes)
        q.info(f"outputs saved: {path}")

    p.result(data, render)


@app.command("destroy")
def destroy_cmd(
    ctx: typer.Context,
    *,
    env: EnvOption = "prod",
    directory: DirOption = None,
    cluster: ClusterOption = DEFAULT_CLUSTER,
    var: VarOption = None,
    yes: YesOption = False,
    output: OutputOption = OutputFormat.table,
) -> None:
    """`terraform destroy` only. Prefer `wastectl destroy`, which first removes what Kubernetes created.

    Example: wastectl infra destroy --cluster sesacthon
    """
    from wastectl.guard import require_named_cluster
    from wastectl.infra import service

    require_named_cluster(ctx, yes=yes, command="infra destroy")
    workdir = env_dir(env, directory)
    p = Printer("infra destroy", output)
    recorded = (service.outputs(workdir).get("cluster_name") or {}).get("value")
    if recorded and recorded != cluster:
        raise UsageError(
            f"the Terraform state in {workdir} is cluster {recorded!r}, not {cluster!r}",
            hint=f"pass --cluster {recorded}",
        )
    if not yes:
        confirm(p, f"This destroys every Terraform resource of cluster {cluster!r}.", expected=cluster)
    with _progress(p, "terraform destroy") as progress:
        service.destroy(workdir, cluster, variables=parse_vars(var), on_event=progress)
    p.result({"cluster": cluster, "destroyed": True}, lambda q: q.info(f"cluster {cluster!r} destroyed"))


@app.command("output")
def output_cmd(
    *,
    env: EnvOption = "prod",
    directory: DirOption = None,
    cluster: ClusterOption = DEFAULT_CLUSTER,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Show the outputs (`terraform output -json`) and save them for the inventory.

    Example: wastectl infra output --output json | jq '.data.nodes.value'
    """
    from wastectl.infra import service

    workdir = env_dir(env, directory)
    p = Printer("infra output", output)
    path = service.save_outputs(workdir, cluster)
    values = service.outputs(workdir)
    if not values:
        raise WastectlError(
            f"no outputs in {workdir}: nothing has been applied",
            hint="wastectl infra plan && wastectl infra apply",
        )

    def render(q: Printer) -> None:
        scalars = [
            (k, v.get("value"))
            for k, v in sorted(values.items())
            if not isinstance(v.get("value"), dict | list)
        ]
        q.table("Outputs", ["name", "value"], scalars)
        nodes_table(q, (values.get("nodes") or {}).get("value") or {})
        q.info(f"saved: {path}")

    p.result(values, render)


@app.command("cost")
def cost_cmd(
    *,
    env: EnvOption = "prod",
    directory: DirOption = None,
    cluster: ClusterOption = DEFAULT_CLUSTER,
    region: Annotated[str | None, typer.Option("--region", help="Region of the price table.")] = None,
    output: OutputOption = OutputFormat.table,
) -> int:
    """Monthly cost of the saved plan (or, without one, of what is applied), next to the seed's $185.

    Example: wastectl infra cost --output json
    """
    from python_terraform import IsFlagged

    from wastectl.infra import cost, service
    from wastectl.infra.plan import PlanSummary, summarize
    from wastectl.infra.terraform import Terraform

    p = Printer("infra cost", output)
    planfile = service.plan_path(cluster)
    if planfile.is_file():
        workdir = env_dir(env, directory)
        summary = summarize(Terraform(workdir).json("show", str(planfile), no_color=IsFlagged))
        basis = f"saved plan {planfile}"
    else:
        outputs_file = service.outputs_path(cluster)
        if not outputs_file.is_file():
            raise UsageError(
                f"nothing to price for cluster {cluster!r}: no saved plan and no {outputs_file}",
                hint="run `wastectl infra plan` first",
            )
        from wastectl.fleet.inventory import read_json

        saved = read_json(outputs_file)
        summary = PlanSummary(
            nodes_after=(saved.get("nodes") or {}).get("value"),
            region=(saved.get("region") or {}).get("value"),
        )
        basis = f"applied outputs {outputs_file}"
    data = _cost_data(summary, region)
    if data is None:
        raise WastectlError(f"the {basis} has no `nodes` output to price")
    data["basis"] = basis

    def render(q: Printer) -> None:
        q.table(
            f"Monthly cost ({data['region']}, prices as of {data['prices_as_of']})",
            ["item", "detail", "USD/month"],
            [(line["item"], line["detail"], f"{line['monthly_usd']:.2f}") for line in data["lines"]],
        )
        q.out.print(cost.sentence(data), markup=False)
        q.info(f"priced from the {basis}; table: wastectl/infra/prices.json")

    p.result(data, render)
    return int(ExitCode.OK)
