"""Inventory: static YAML, terraform outputs and EC2 (moto server over HTTP); bad sources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wastectl.fleet.cli import run_cli
from tests.wastectl.fleet.harness import free_port


def test_static_inventory_lists_every_node(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inv.yaml"
    nodes = "\n".join(f"  - {{name: node-{i}, role: worker, host: 10.0.0.{i}}}" for i in range(7))
    path.write_text(f"cluster: big\nssh: {{user: admin, port: 2200}}\nnodes:\n{nodes}\n")
    run = run_cli(capsys, "nodes", "--inventory", str(path), "-o", "json")
    assert run.code == 0, run.err
    data = run.json()["data"]
    assert data["cluster"] == "big"
    assert [n["name"] for n in data["nodes"]] == [f"node-{i}" for i in range(7)]
    assert {(n["user"], n["port"]) for n in data["nodes"]} == {("admin", 2200)}


def test_table_output_names_the_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text("nodes:\n  - {name: master, role: master, host: 10.1.1.1}\n")
    run = run_cli(capsys, "nodes", "--inventory", str(path))
    assert run.code == 0
    assert "master" in run.out and "10.1.1.1" in run.out
    assert f"static:{path}" in run.err


TF_OUTPUTS = {
    "nodes": {
        "sensitive": False,
        "type": ["map", ["object", {}]],
        "value": {
            name: {
                "role": role,
                "instance_id": f"i-0{i}",
                "public_ip": f"3.34.0.{i}",
                "private_ip": f"10.0.1.{i}",
                "instance_type": "t3.medium",
                "availability_zone": "ap-northeast-2a",
            }
            for i, (name, role) in enumerate(
                [
                    ("master", "master"),
                    ("worker-1", "worker"),
                    ("worker-2", "worker"),
                    ("storage", "storage"),
                    ("worker-3", "worker"),
                ]
            )
        },
    },
    "vpc_id": {"sensitive": False, "type": "string", "value": "vpc-1"},
}


def test_terraform_outputs_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(TF_OUTPUTS))
    run = run_cli(capsys, "nodes", "--tf-outputs", str(path), "-o", "json")
    assert run.code == 0, run.err
    nodes = run.json()["data"]["nodes"]
    assert len(nodes) == 5
    assert nodes[0] == {
        **nodes[0],
        "name": "master",
        "role": "master",
        "public_ip": "3.34.0.0",
        "instance_id": "i-00",
        "availability_zone": "ap-northeast-2a",
    }


def test_terraform_outputs_default_path_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    target = tmp_path / "state" / "wastectl" / "terraform" / "prod" / "outputs.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(TF_OUTPUTS))
    run = run_cli(capsys, "nodes", "--cluster", "prod", "-o", "json")
    assert run.code == 0, run.err
    assert run.json()["data"]["source"] == f"terraform:{target}"


def test_no_source_says_which_were_tried(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    run = run_cli(capsys, "nodes")
    assert run.code == 2
    assert "static inventory" in run.err and "terraform outputs" in run.err and "EC2" in run.err
    assert "Traceback" not in run.err


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("nodes: [", "not YAML"),
        ("nodes: []", "non-empty `nodes:`"),
        ("nodes:\n  - {name: a}\n", "missing host"),
        ("nodes:\n  - {name: a, host: h}\n  - {name: a, host: g}\n", "duplicate node names: a"),
        ("nodes:\n  - {name: a, host: h, colour: red}\n", "unknown keys colour"),
        ("nodes:\n  - {name: a, host: h, port: 70000}\n", "out of range"),
        ("nodes:\n  - {name: a, host: h, port: abc}\n", "nodes[0]"),
    ],
)
def test_bad_static_inventory_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, problem: str
) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(content)
    run = run_cli(capsys, "nodes", "--inventory", str(path))
    assert run.code == 2
    assert problem in run.err and "Traceback" not in run.err


def test_bad_terraform_outputs_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "outputs.json"
    path.write_text('{"vpc_id": {"value": "vpc-1"}}')
    run = run_cli(capsys, "nodes", "--tf-outputs", str(path))
    assert run.code == 2 and "nodes" in run.err
    path.write_text("{not json")
    assert run_cli(capsys, "nodes", "--tf-outputs", str(path)).code == 2


def test_missing_explicit_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "nodes", "--inventory", str(tmp_path / "nope.yaml"))
    assert run.code == 2 and "no such file" in run.err


# --- EC2 against a moto server over HTTP -------------------------------------------------------
@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port("127.0.0.1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _launch(moto_url: str, cluster: str, names: list[tuple[str, str]]) -> list[str]:
    import boto3

    ec2 = boto3.client("ec2", region_name="ap-northeast-2", endpoint_url=moto_url)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="ap-northeast-2a")
    subnet_id = subnet["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
    ids = []
    for name, role in names:
        tags = [
            {"Key": "Name", "Value": f"k8s-{name}"},
            {"Key": "Cluster", "Value": cluster},
            {"Key": "Role", "Value": role},
        ]
        out = ec2.run_instances(
            ImageId="ami-12c6146b",
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.medium",
            SubnetId=subnet_id,
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
        )
        ids.append(out["Instances"][0]["InstanceId"])
    return ids


def test_ec2_inventory_running_instances_of_the_cluster(
    moto_url: str,
    aws_env: None,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import boto3

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    ids = _launch(
        moto_url,
        "ec2c",
        [
            ("master", "Master"),
            ("worker-1", "worker"),
            ("worker-2", "worker"),
            ("storage", "storage"),
            ("worker-3", "worker"),
        ],
    )
    _launch(moto_url, "other", [("master", "master")])
    boto3.client("ec2", region_name="ap-northeast-2", endpoint_url=moto_url).terminate_instances(
        InstanceIds=[ids[4]]
    )
    run = run_cli(
        capsys,
        "nodes",
        "--cluster",
        "ec2c",
        "--aws-endpoint-url",
        moto_url,
        "--region",
        "ap-northeast-2",
        "-o",
        "json",
    )
    assert run.code == 0, run.err
    nodes = run.json()["data"]["nodes"]
    assert [n["name"] for n in nodes] == ["master", "storage", "worker-1", "worker-2"]
    assert nodes[0]["role"] == "master" and nodes[0]["instance_id"] == ids[0]
    assert all(n["public_ip"] and n["private_ip"].startswith("10.0.1.") for n in nodes)
    assert {n["state"] for n in nodes} == {"running"}
    assert {n["instance_type"] for n in nodes} == {"t3.medium"}
    assert {n["availability_zone"] for n in nodes} == {"ap-northeast-2a"}
    assert all(n["launch_time"] for n in nodes)


def test_ec2_with_no_instances_says_what_was_tried(
    moto_url: str,
    aws_env: None,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    run = run_cli(capsys, "nodes", "--cluster", "empty", "--aws-endpoint-url", moto_url)
    assert run.code == 2
    assert "no instance tagged Cluster=empty" in run.err and "static inventory" in run.err


def test_ec2_unreachable_endpoint_is_a_clear_error(aws_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port("127.0.0.1")
    run = run_cli(capsys, "nodes", "--source", "ec2", "--aws-endpoint-url", f"http://127.0.0.1:{port}")
    assert run.code == 2
    assert "EC2 inventory failed" in run.err and "Traceback" not in run.err
