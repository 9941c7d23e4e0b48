"""`wastectl destroy`: the Kubernetes step against the fake Kubernetes API, the AWS sweep against
a moto server over HTTP, then `terraform destroy` on the real engine (tfdata environment)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import free_port, run_cli
from tests.wastectl.health.fakekube import FakeKube, healthy_cluster
from wastectl.infra import service

pytestmark = pytest.mark.slow
CLUSTER = "demo"
REGION = "ap-northeast-2"
NODES = ["master", "storage", "worker-1", "worker-2"]  # tfdata private IPs: 10.0.1.10.. in name order


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import httpx

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield moto_url
    httpx.post(f"{moto_url}/moto-api/reset", timeout=10)


@dataclass
class World:
    vpc_id: str
    mine: dict[str, str]  # what the sweep must delete: label -> id/arn
    others: dict[str, str]  # what it must never touch
    node_sg: str
    lb_sg: str


def _tags(pairs: dict[str, str], kind: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in pairs.items()]}]


def build_world(url: str) -> World:
    import boto3

    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=url)
    elb = boto3.client("elbv2", region_name=REGION, endpoint_url=url)
    own = {f"kubernetes.io/cluster/{CLUSTER}": "owned"}
    lbc = {"elbv2.k8s.aws/cluster": CLUSTER}
    other = {"kubernetes.io/cluster/other": "owned", "elbv2.k8s.aws/cluster": "other"}
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i + 1}.0/24", AvailabilityZone=f"{REGION}{az}")[
            "Subnet"
        ]["SubnetId"]
        for i, az in enumerate("ac")
    ]
    node_sg = ec2.create_security_group(
        GroupName=f"{CLUSTER}-nodes", Description="nodes", VpcId=vpc,
        TagSpecifications=_tags({f"kubernetes.io/cluster/{CLUSTER}": "shared", "ManagedBy": "terraform"},
                                "security-group"),
    )["GroupId"]  # fmt: skip
    lb_sg = ec2.create_security_group(
        GroupName="k8s-waste-api-1a2b3c", Description="[k8s] managed LB SG", VpcId=vpc,
        TagSpecifications=_tags({**lbc, "elbv2.k8s.aws/resource": "ManagedLBSG"}, "security-group"),
    )["GroupId"]  # fmt: skip
    # The controller lets its LB SG reach the nodes: that rule blocks deleting the LB SG.
    ec2.authorize_security_group_ingress(
        GroupId=node_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 30000,
                "ToPort": 32767,
                "UserIdGroupPairs": [{"GroupId": lb_sg}],
            }
        ],
    )
    other_sg = ec2.create_security_group(
        GroupName="k8s-other-lb", Description="other cluster", VpcId=vpc,
        TagSpecifications=_tags(other, "security-group"),
    )["GroupId"]  # fmt: skip
    untagged_sg = ec2.create_security_group(GroupName="k8s-untagged", Description="no tag", VpcId=vpc)[
        "GroupId"
    ]
    alb = elb.create_load_balancer(
        Name="k8s-waste-api", Subnets=subnets, SecurityGroups=[lb_sg], Type="application",
        Tags=[{"Key": k, "Value": v} for k, v in {**lbc, "ingress.k8s.aws/stack": "waste"}.items()],
    )["LoadBalancers"][0]["LoadBalancerArn"]  # fmt: skip
    other_lb = elb.create_load_balancer(
        Name="k8s-other-api", Subnets=subnets, Type="application",
        Tags=[{"Key": k, "Value": v} for k, v in other.items()],
    )["LoadBalancers"][0]["LoadBalancerArn"]  # fmt: skip
    untagged_lb = elb.create_load_balancer(Name="plain-lb", Subnets=subnets, Type="application")[
        "LoadBalancers"
    ][0]["LoadBalancerArn"]
    tg = elb.create_target_group(
        Name="k8s-waste-api-tg", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip",
        Tags=[{"Key": k, "Value": v} for k, v in lbc.items()],
    )["TargetGroups"][0]["TargetGroupArn"]  # fmt: skip
    other_tg = elb.create_target_group(Name="other-tg", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][
        0
    ]["TargetGroupArn"]
    eni = ec2.create_network_interface(
        SubnetId=subnets[0],
        Description="ELB app/k8s-waste-api",
        TagSpecifications=_tags(own, "network-interface"),
    )["NetworkInterface"]["NetworkInterfaceId"]
    other_eni = ec2.create_network_interface(SubnetId=subnets[0], Description="someone else's")[
        "NetworkInterface"
    ]["NetworkInterfaceId"]
    pvc_tags = {
        **own,
        "kubernetes.io/created-for/pvc/name": "data-postgres-0",
        "ebs.csi.aws.com/cluster": "true",
    }
    volume = ec2.create_volume(
        AvailabilityZone=f"{REGION}a", Size=10, VolumeType="gp3", TagSpecifications=_tags(pvc_tags, "volume")
    )["VolumeId"]
    other_volume = ec2.create_volume(
        AvailabilityZone=f"{REGION}a",
        Size=10,
        TagSpecifications=_tags({"kubernetes.io/cluster/other": "owned"}, "volume"),
    )["VolumeId"]
    tf_volume = ec2.create_volume(
        AvailabilityZone=f"{REGION}a", Size=10,
        TagSpecifications=_tags({**own, "ManagedBy": "terraform"}, "volume"),
    )["VolumeId"]  # fmt: skip
    return World(
        vpc_id=vpc,
        mine={"alb": alb, "tg": tg, "lb_sg": lb_sg, "eni": eni, "volume": volume},
        others={
            "other_sg": other_sg, "untagged_sg": untagged_sg, "node_sg": node_sg, "other_lb": other_lb,
            "untagged_lb": untagged_lb, "other_tg": other_tg, "other_eni": other_eni,
            "other_volume": other_volume, "tf_volume": tf_volume,
        },
        node_sg=node_sg,
        lb_sg=lb_sg,
    )  # fmt: skip


def existing(url: str) -> set[str]:
    import boto3

    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=url)
    elb = boto3.client("elbv2", region_name=REGION, endpoint_url=url)
    ids = {sg["GroupId"] for sg in ec2.describe_security_groups()["SecurityGroups"]}
    ids |= {lb["LoadBalancerArn"] for lb in elb.describe_load_balancers()["LoadBalancers"]}
    ids |= {tg["TargetGroupArn"] for tg in elb.describe_target_groups()["TargetGroups"]}
    ids |= {e["NetworkInterfaceId"] for e in ec2.describe_network_interfaces()["NetworkInterfaces"]}
    ids |= {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]}
    return ids


@pytest.fixture
def world(aws: str) -> World:
    return build_world(aws)


@pytest.fixture
def kube(tmp_path: Path) -> Iterator[FakeKube]:
    fake = FakeKube().start()
    healthy_cluster(fake, [(name, f"10.0.1.{10 + i}") for i, name in enumerate(NODES)])
    fake.add(
        "services", {"metadata": {"name": "api-nlb", "namespace": "waste"}, "spec": {"type": "LoadBalancer"}}
    )
    fake.add("services", {"metadata": {"name": "api", "namespace": "waste"}, "spec": {"type": "ClusterIP"}})
    fake.add("ingresses", {"metadata": {"name": "api", "namespace": "waste"}, "spec": {}})
    fake.add("persistentvolumeclaims", {"metadata": {"name": "data-redis-0", "namespace": "waste"}})
    yield fake
    fake.stop()


@pytest.fixture
def provisioned(env_dir: Path, world: World) -> Path:
    (env_dir / "moto.auto.tfvars").write_text(f'vpc_id = "{world.vpc_id}"\n')
    service.provision(env_dir, CLUSTER)
    return env_dir


def destroy(env_dir: Path, kube: FakeKube | None, url: str, *args: str, stdin: str = "") -> Any:
    extra = ["--kubeconfig", str(kube.write_kubeconfig(env_dir.parent / "kubeconfig"))] if kube else []
    return run_cli(
        "destroy", "--dir", str(env_dir), "--aws-endpoint-url", url, "--wait", "5", *extra, *args,
        input=stdin, timeout=180,
    )  # fmt: skip


def kube_names(kube: FakeKube, kind: str) -> set[str]:
    return {o["metadata"]["name"] for o in kube.objects.get(kind, [])}


def test_dry_run_lists_only_this_clusters_resources_and_deletes_nothing(
    provisioned: Path, world: World, kube: FakeKube, aws: str
) -> None:
    before = existing(aws)
    result = destroy(provisioned, kube, aws, "--cluster", CLUSTER, "--dry-run", "-o", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)["data"]
    assert {f["id"] for f in data["aws"]["found"]} == set(world.mine.values())
    assert set(data["kubernetes"]["found"]) == {
        "Service waste/api-nlb", "Ingress waste/api", "PersistentVolumeClaim waste/data-postgres-0",
        "PersistentVolumeClaim waste/data-redis-0",
    }  # fmt: skip
    assert existing(aws) == before
    assert "api-nlb" in kube_names(kube, "services")
    assert not any(method == "DELETE" for method, _ in kube.requests)
    assert service.outputs_path(CLUSTER).is_file(), "a dry run leaves Terraform alone"


def test_destroy_removes_kubernetes_objects_then_the_sweep_then_terraform(
    provisioned: Path, world: World, kube: FakeKube, aws: str
) -> None:
    result = destroy(provisioned, kube, aws, "--cluster", CLUSTER, "--yes")
    assert result.returncode == 0, result.stderr + result.stdout
    left = existing(aws)
    assert not set(world.mine.values()) & left, "tagged leftovers survived the sweep"
    assert set(world.others.values()) <= left, "the sweep touched something not tagged for this cluster"
    assert kube_names(kube, "services") == {"api"}  # the ClusterIP service stays
    assert not kube_names(kube, "ingresses")
    assert not kube_names(kube, "persistentvolumeclaims")
    assert f"revoked 1 rule(s) of {world.node_sg} referencing {world.lb_sg}" in result.stderr
    assert "Destroy complete! Resources: 4 destroyed" in result.stderr
    assert not service.outputs_path(CLUSTER).exists()
    assert "deleted" in result.stdout and "k8s-waste-api" in result.stdout


def test_a_failure_is_reported_and_exits_3(provisioned: Path, world: World, kube: FakeKube, aws: str) -> None:
    kube.forbidden_deletes.add("data-redis-0")
    result = destroy(provisioned, kube, aws, "--cluster", CLUSTER, "--yes", "-o", "json")
    assert result.returncode == 3, result.stderr
    body = json.loads(result.stdout)
    assert body["ok"] is False
    failed = body["data"]["kubernetes"]["failed"]
    assert failed[0]["object"] == "PersistentVolumeClaim waste/data-redis-0"
    assert "HTTP 403" in failed[0]["error"]
    assert body["data"]["terraform"] == "destroyed"
    assert "data-redis-0" in kube_names(kube, "persistentvolumeclaims")


def test_typed_confirmation_and_cluster_checks(
    provisioned: Path, world: World, kube: FakeKube, aws: str
) -> None:
    before = existing(aws)
    wrong = destroy(provisioned, kube, aws, stdin="sesacthon\n")
    assert wrong.returncode == 2  # the state is cluster "demo"; the default name is another
    assert "is cluster 'demo', not 'sesacthon'" in wrong.stderr
    typo = destroy(provisioned, kube, aws, "--cluster", CLUSTER, stdin="dmeo\n")
    assert typo.returncode == 1
    assert "aborted: typed 'dmeo'" in typo.stderr
    no_name = destroy(provisioned, kube, aws, "--yes")
    assert no_name.returncode == 2
    assert "--yes needs --cluster NAME" in no_name.stderr
    assert existing(aws) == before
    assert not any(method == "DELETE" for method, _ in kube.requests)
    typed = destroy(provisioned, kube, aws, "--cluster", CLUSTER, stdin="demo\n")
    assert typed.returncode == 0, typed.stderr


def test_a_kubeconfig_of_another_cluster_is_refused(
    provisioned: Path, world: World, aws: str, tmp_path: Path
) -> None:
    stranger = FakeKube().start()
    try:
        healthy_cluster(stranger, [("elsewhere", "192.168.7.7")])
        stranger.add("persistentvolumeclaims", {"metadata": {"name": "precious", "namespace": "prod"}})
        result = destroy(provisioned, stranger, aws, "--cluster", CLUSTER, "--yes")
        assert result.returncode == 2
        assert "has none of this cluster's nodes" in result.stderr
        assert "precious" in kube_names(stranger, "persistentvolumeclaims")
    finally:
        stranger.stop()
    assert service.outputs_path(CLUSTER).is_file()


def test_an_unreachable_cluster_skips_the_kubernetes_step(provisioned: Path, world: World, aws: str) -> None:
    down = FakeKube()
    down.port = free_port()  # never started: connection refused
    result = destroy(provisioned, down, aws, "--cluster", CLUSTER, "--yes")
    assert result.returncode == 0, result.stderr
    assert "kubernetes: skipped, the cluster does not answer" in result.stderr
    assert not set(world.mine.values()) & existing(aws)
