"""EC2 discovery on a moto server: tag options, the predecessor's `Name=k8s-*` instances, any state."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wastectl.fleet.cli import run_cli
from tests.wastectl.fleet.test_inventory import aws_env, moto_url

__all__ = ["aws_env", "moto_url"]


def _launch(moto_url: str, region: str, nodes: list[tuple[str, dict[str, str]]]) -> dict[str, str]:
    """Launch one instance per (Name, extra tags) in `region` (one region per test keeps them apart)."""
    import boto3

    ec2 = boto3.client("ec2", region_name=region, endpoint_url=moto_url)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ids = {}
    for name, tags in nodes:
        all_tags = [{"Key": "Name", "Value": name}] + [{"Key": k, "Value": v} for k, v in tags.items()]
        out = ec2.run_instances(
            ImageId="ami-12c6146b",
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.medium",
            SubnetId=subnet,
            TagSpecifications=[{"ResourceType": "instance", "Tags": all_tags}],
        )
        ids[name] = out["Instances"][0]["InstanceId"]
    return ids


def _nodes(capsys: pytest.CaptureFixture[str], moto_url: str, region: str, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli(
        capsys,
        "nodes",
        "--source",
        "ec2",
        "--aws-endpoint-url",
        moto_url,
        "--region",
        region,
        "-o",
        "json",
        *extra,
    )


@pytest.fixture(autouse=True)
def _no_static(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


def test_predecessor_instances_named_k8s_only_are_used_with_a_warning(
    moto_url: str, aws_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = _launch(moto_url, "eu-west-1", [("k8s-master", {"Role": "Master"}), ("k8s-worker-1", {})])
    run = _nodes(capsys, moto_url, "eu-west-1")
    assert run.code == 0, run.err
    assert [n["name"] for n in run.json()["data"]["nodes"]] == ["master", "worker-1"]
    assert "no instance is tagged Cluster=sesacthon; using 2 instance(s) named k8s-*" in run.err
    add = (
        f"aws ec2 create-tags --resources {' '.join(sorted(ids.values()))} --tags Key=Cluster,Value=sesacthon"
    )
    assert add in run.err
    assert run.json()["data"]["nodes"][0]["role"] == "master"  # `Role=Master` is the control plane


def test_tag_key_and_value_are_options_and_untagged_instances_are_reported(
    moto_url: str, aws_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = _launch(
        moto_url,
        "eu-west-2",
        [
            ("k8s-master", {"Project": "waste", "Role": "master"}),
            ("k8s-worker-1", {"Project": "waste"}),
            ("k8s-worker-2", {}),  # forgotten by whoever tagged the others
        ],
    )
    run = _nodes(capsys, moto_url, "eu-west-2", "--tag-key", "Project", "--tag-value", "waste")
    assert run.code == 0, run.err
    assert [n["name"] for n in run.json()["data"]["nodes"]] == ["master", "worker-1"]
    assert "1 instance(s) named k8s-* are not tagged Project=waste and were left out" in run.err
    assert f"aws ec2 create-tags --resources {ids['k8s-worker-2']} --tags Key=Project,Value=waste" in run.err


def test_stopped_and_pending_instances_are_part_of_the_cluster(
    moto_url: str, aws_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    import boto3

    ids = _launch(
        moto_url,
        "eu-central-1",
        [
            ("k8s-master", {"Cluster": "sesacthon", "Role": "master"}),
            ("k8s-worker-1", {"Cluster": "sesacthon"}),
        ],
    )
    ec2 = boto3.client("ec2", region_name="eu-central-1", endpoint_url=moto_url)
    ec2.stop_instances(InstanceIds=[ids["k8s-worker-1"]])
    run = _nodes(capsys, moto_url, "eu-central-1")
    assert run.code == 0, run.err
    states = {n["name"]: n["state"] for n in run.json()["data"]["nodes"]}
    assert states == {"master": "running", "worker-1": "stopped"}

    common = ("--source", "ec2", "--aws-endpoint-url", moto_url, "--region", "eu-central-1")
    run = run_cli(capsys, "health", *common, "--only", "node", "--node", "worker-1", "-o", "json")
    assert run.code == 1
    checks = run.json()["data"]["checks"]
    reach = next(c for c in checks if c["id"] == "NodeReachable")
    assert reach["status"] == "fail" and f"instance {ids['k8s-worker-1']} is stopped" in reach["message"]
    assert f"aws ec2 start-instances --instance-ids {ids['k8s-worker-1']}" in reach["message"]
    assert {c["status"] for c in checks if c["id"] != "NodeReachable"} == {"skip"}

    run = run_cli(capsys, "ssh", "worker-1", *common, "--", "true")
    assert run.code == 1 and "is stopped" in run.err and "start-instances" in run.err
