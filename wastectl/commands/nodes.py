"""`wastectl nodes`: the cluster's nodes as the inventory resolver sees them."""

from __future__ import annotations

from wastectl.fleet.cli import FleetArgs, fleet_options
from wastectl.output import OutputFormat, OutputOption, Printer

COLUMNS = ("name", "role", "instance id", "public IP", "private IP", "state", "type", "AZ", "launched")
KEYS = (
    "name",
    "role",
    "instance_id",
    "public_ip",
    "private_ip",
    "state",
    "instance_type",
    "availability_zone",
    "launch_time",
)


@fleet_options
def nodes(fleet: FleetArgs, output: OutputOption = OutputFormat.table) -> None:
    """List the cluster's nodes: name, role, instance id, IPs, state, type, AZ and launch time.

    Sources, first match wins: --inventory (static YAML), --tf-outputs (terraform output -json),
    then EC2 (running instances tagged Cluster=<cluster>).
    """
    inventory = fleet.resolve()
    data = {
        "cluster": inventory.cluster,
        "source": inventory.source,
        "nodes": [node.as_dict() for node in inventory.nodes],
    }

    def render(p: Printer) -> None:
        p.info(f"cluster {inventory.cluster}: {len(inventory.nodes)} node(s) from {inventory.source}")
        p.table(None, COLUMNS, [[row[key] for key in KEYS] for row in data["nodes"]])

    Printer("nodes", output).result(data, render)
