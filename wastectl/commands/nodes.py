"""`wastectl nodes`: the cluster's nodes as the inventory resolver sees them."""

from __future__ import annotations

from wastectl.fleet.cli import FleetArgs, fleet_options
from wastectl.output import OutputFormat, OutputOption, Printer

EXAMPLES = """
Examples:

  wastectl nodes --inventory inventory.yaml
  wastectl nodes --source ec2 --region ap-northeast-2 -o json
  wastectl nodes --source ec2 --tag-key Project --tag-value waste

Static inventory (YAML; unknown keys are an error, exit 2):

  cluster: sesacthon                # the known_hosts file and EC2 tag value
  kubeconfig: ./admin.conf          # optional; default: admin.conf fetched from the master
  readonly_kubeconfig: ./health.conf  # optional; `health` uses it (see docs/fleet.md)
  api_url: https://api.example.org  # optional; for the APIReady check
  ssh:                              # defaults for every node
    user: ubuntu                    # also: port, key, jump (\\[user@]host\\[:port]), agent,
    key: ~/.ssh/k8s.pem             #   connect_timeout, banner_timeout, auth_timeout
  nodes:
    - {name: master, role: master, host: 3.34.1.2, private_ip: 10.0.1.10}
    - {name: worker-1, host: 3.34.1.3, port: 2222, user: admin}  # role defaults to worker

Roles are case-insensitive; master, control-plane and controlplane are the control plane.
"""
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
