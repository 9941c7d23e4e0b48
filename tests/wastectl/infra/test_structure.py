"""The Terraform structure, read with python-hcl2: what the issue and the inventory rely on."""

from __future__ import annotations

import json

import pytest

from tests.wastectl.infra.hcl import TERRAFORM, blocks, first, load, resources

PROD = TERRAFORM / "envs" / "prod"
MODULES = TERRAFORM / "modules"
ALL_DIRS = [PROD, TERRAFORM / "bootstrap", *sorted(p for p in MODULES.iterdir() if p.is_dir())]


def test_nodes_default_is_the_seeds_four() -> None:
    nodes = blocks(PROD, "variable")["nodes"]["default"]
    assert {name: (n["role"], n["instance_type"]) for name, n in nodes.items()} == {
        "master": ("master", "t3.large"),
        "worker-1": ("worker", "t3.medium"),
        "worker-2": ("worker", "t3.medium"),
        "storage": ("storage", "t3.large"),
    }
    assert all(set(n) == {"role", "instance_type", "volume_size", "az_index"} for n in nodes.values())


def test_one_instance_per_map_entry_with_the_required_tags() -> None:
    instance = resources(MODULES / "nodes")[("aws_instance", "node")]
    assert instance["for_each"] == "${var.nodes}"
    tags = instance["tags"]
    for needed in (
        'Name = "k8s-${each.key}"',
        "Cluster = var.cluster_name",
        "Role = each.value.role",
        '"kubernetes.io/cluster/${var.cluster_name}" = "owned"',
    ):
        assert needed in tags, needed


def test_imdsv2_and_encrypted_gp3_root() -> None:
    instance = resources(MODULES / "nodes")[("aws_instance", "node")]
    metadata = first(instance["metadata_options"])
    assert metadata["http_tokens"] == "required"
    root = first(instance["root_block_device"])
    assert root["encrypted"] is True
    assert root["volume_type"] == "gp3"


def test_images_bucket_private_encrypted_versioned_with_lifecycle_and_cors() -> None:
    res = resources(MODULES / "storage")
    block = res[("aws_s3_bucket_public_access_block", "images")]
    assert all(
        block[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    sse = first(
        first(res[("aws_s3_bucket_server_side_encryption_configuration", "images")]["rule"])[
            "apply_server_side_encryption_by_default"
        ]
    )
    assert sse["sse_algorithm"] == "AES256"
    versioning = first(res[("aws_s3_bucket_versioning", "images")]["versioning_configuration"])
    assert versioning["status"] == "Enabled"
    rules = {r["id"]: r for r in res[("aws_s3_bucket_lifecycle_configuration", "images")]["rule"]}
    assert (
        first(rules["abort-incomplete-uploads"]["abort_incomplete_multipart_upload"])["days_after_initiation"]
        == 1
    )
    images = rules["images-ia-then-expire"]
    assert first(images["transition"])["storage_class"] == "STANDARD_IA"
    defaults = blocks(MODULES / "storage", "variable")
    assert defaults["ia_after_days"]["default"] == 30
    assert defaults["expire_after_days"]["default"] == 90
    cors = first(res[("aws_s3_bucket_cors_configuration", "images")]["cors_rule"])
    assert "POST" in cors["allowed_methods"]
    assert cors["allowed_origins"] == "${var.upload_origins}"


def test_security_groups_open_the_cluster_ports_and_ssh_only_from_allowed_cidrs() -> None:
    parsed = load(MODULES / "network" / "security.tf")
    local = {k: v for entry in parsed["locals"] for k, v in entry.items()}
    peer = [(r[0], r[1], r[3], r[4]) for r in local["peer_rules"]]
    for rule in (
        ("control_plane", 6443, "tcp", "nodes"),
        ("nodes", 10250, "tcp", "control_plane"),
        ("nodes", 4789, "udp", "nodes"),
        ("nodes", 5473, "tcp", "control_plane"),
        ("control_plane", 5473, "tcp", "nodes"),
    ):
        assert rule in peer, rule
    cidr_rules = local["cidr_rules"]
    assert "var.ssh_allowed_cidrs" in cidr_rules
    assert "var.operator_cidrs" in cidr_rules
    assert "30000, 32767" in cidr_rules and "var.vpc_cidr" in cidr_rules
    # Port 22 appears exactly once, and only with the allowed CIDRs.
    assert cidr_rules.count(" 22, 22,") == 1
    ssh_validations = blocks(PROD, "variable")["ssh_allowed_cidrs"]["validation"]
    assert any("0.0.0.0/0" in v["condition"] for v in ssh_validations)


def test_subnets_span_two_or_more_azs() -> None:
    subnet = resources(MODULES / "network")[("aws_subnet", "public")]
    assert subnet["count"] == "${var.az_count}"
    assert "var.az_count >= 2" in blocks(PROD, "variable")["az_count"]["validation"][0]["condition"]


def test_outputs_match_what_the_inventory_and_rebuild_read() -> None:
    outputs = blocks(PROD, "output")
    for name in ("nodes", "vpc_id", "region", "cluster_name", "bucket", "certificate_arn", "api_hostname"):
        assert name in outputs, name
    node_out = blocks(MODULES / "nodes", "output")["nodes"]["value"]
    for key in ("role", "instance_id", "private_ip", "public_ip", "instance_type", "availability_zone"):
        assert f"{key} =" in node_out, key


def test_remote_state_is_s3_with_locking() -> None:
    backend = first(first(load(PROD / "backend.tf")["terraform"])["backend"])["s3"]
    assert backend["use_lockfile"] is True
    assert backend["encrypt"] is True
    bucket = resources(TERRAFORM / "bootstrap")[("aws_s3_bucket", "state")]
    assert backend["bucket"] == blocks(TERRAFORM / "bootstrap", "variable")["state_bucket"]["default"]
    assert first(bucket["lifecycle"])["prevent_destroy"] is True


def test_alb_controller_policy_is_a_file_with_its_version_noted() -> None:
    iam = resources(MODULES / "iam")
    assert (
        "policies/aws-load-balancer-controller.json"
        in iam[("aws_iam_policy", "load_balancer_controller")]["policy"]
    )
    policy = json.loads((MODULES / "iam" / "policies" / "aws-load-balancer-controller.json").read_text())
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert {"elasticloadbalancing:CreateLoadBalancer", "ec2:CreateSecurityGroup"} <= actions
    assert "v2.13" in (MODULES / "iam" / "policies" / "README.md").read_text()
    attached = {body["policy_arn"] for (t, _), body in iam.items() if t == "aws_iam_role_policy_attachment"}
    assert "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy" in attached


@pytest.mark.parametrize("directory", ALL_DIRS, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_variable_is_typed_and_described(directory: object) -> None:
    from pathlib import Path

    assert isinstance(directory, Path)
    for name, body in blocks(directory, "variable").items():
        assert body.get("type"), f"{directory.name}: variable {name} has no type"
        assert body.get("description"), f"{directory.name}: variable {name} has no description"
    for name, body in blocks(directory, "output").items():
        assert body.get("description"), f"{directory.name}: output {name} has no description"
