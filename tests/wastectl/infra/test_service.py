"""`wastectl.infra.service` on the real Terraform engine: the interface `wastectl rebuild` calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wastectl.fleet.inventory import InventoryOptions, Source, resolve
from wastectl.infra import service
from wastectl.infra.terraform import InfraError

SEED = {"master", "worker-1", "worker-2", "storage"}


def test_provision_saves_outputs_where_the_inventory_reads_them(env_dir: Path) -> None:
    events: list[str] = []
    path = service.provision(env_dir, "demo", on_event=events.append)

    assert path == service.outputs_path("demo")
    outputs = json.loads(path.read_text())
    assert set(outputs["nodes"]["value"]) == SEED
    assert outputs["cluster_name"]["value"] == "demo"
    for key in ("vpc_id", "region", "bucket", "certificate_arn", "api_hostname"):
        assert outputs[key]["value"], key
    assert any("Creating..." in e for e in events)
    assert any(e.startswith("plan: 4 to create") for e in events)
    assert not service.plan_path("demo").exists(), "a plan applies once"

    inventory = resolve(InventoryOptions(cluster="demo", source=Source.terraform))
    by_name = {node.name: node for node in inventory.nodes}
    assert set(by_name) == SEED
    assert by_name["master"].role == "master"
    assert by_name["master"].instance_type == "t3.large"
    assert by_name["storage"].host == outputs["nodes"]["value"]["storage"]["public_ip"]


def test_provision_twice_is_a_no_op(env_dir: Path) -> None:
    service.provision(env_dir, "demo")
    events: list[str] = []
    service.provision(env_dir, "demo", on_event=events.append)
    assert "plan: no changes" in events


def test_provision_failure_carries_terraform_exit_code_and_output(env_dir: Path) -> None:
    (env_dir / "fail.auto.tfvars").write_text('fail_node = "worker-2"\n')
    with pytest.raises(InfraError) as caught:
        service.provision(env_dir, "demo")
    error = caught.value
    assert error.returncode == 1
    assert "node worker-2 failed to boot" in error.message
    assert 'terraform_data.node["worker-2"]' in error.message
    assert not service.outputs_path("demo").exists()


def test_provision_bad_hcl_is_an_infra_error(env_dir: Path) -> None:
    (env_dir / "broken.tf").write_text('resource "terraform_data" "x" {\n  input = \n')
    with pytest.raises(InfraError) as caught:
        service.provision(env_dir, "demo")
    assert caught.value.returncode == 1
    assert "broken.tf" in caught.value.message
