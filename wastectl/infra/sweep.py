"""The AWS half of `wastectl destroy`: what Kubernetes created outside Terraform and that blocks
`terraform destroy` (the VPC cannot go while they exist), found by this cluster's tags.

A resource is this cluster's only if it carries one of:
    kubernetes.io/cluster/<cluster>        (in-tree cloud provider, EBS CSI driver)
    elbv2.k8s.aws/cluster = <cluster>      (AWS Load Balancer Controller)
    service.k8s.aws/cluster / ingress.k8s.aws/cluster = <cluster>   (older controller versions)
and never carries ManagedBy=terraform (Terraform's own resources are left to `terraform destroy`).
Security groups must also be named `k8s-*`. Anything else is never touched.

Order (each step unblocks the next): load balancers (then wait until gone), target groups,
security groups (first revoking rules in this cluster's groups that reference them), available
network interfaces, available EBS volumes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    load_balancer = "load-balancer"
    target_group = "target-group"
    security_group = "security-group"
    network_interface = "network-interface"
    volume = "volume"


@dataclass
class Found:
    kind: Kind
    id: str
    name: str
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"kind": str(self.kind), "id": self.id, "name": self.name, "detail": self.detail}


@dataclass
class SweepReport:
    found: list[Found] = field(default_factory=list)
    removed: list[Found] = field(default_factory=list)
    failed: list[tuple[Found, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "found": [f.as_dict() for f in self.found],
            "removed": [f.as_dict() for f in self.removed],
            "failed": [{**f.as_dict(), "error": e} for f, e in self.failed],
        }


def owned(tags: dict[str, str], cluster: str) -> bool:
    if tags.get("ManagedBy", "").lower() == "terraform":
        return False
    if f"kubernetes.io/cluster/{cluster}" in tags:
        return True
    keys = ("elbv2.k8s.aws/cluster", "service.k8s.aws/cluster", "ingress.k8s.aws/cluster")
    return any(tags.get(key) == cluster for key in keys)


def _tags(items: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in items or []}


@dataclass
class Sweeper:
    cluster: str
    vpc_id: str | None
    region: str
    endpoint_url: str | None = None
    wait_seconds: float = 300.0
    on_event: Callable[[str], None] | None = None
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3  # type: ignore[import-untyped]

            self._clients[service] = boto3.client(
                service, region_name=self.region, endpoint_url=self.endpoint_url
            )
        return self._clients[service]

    def say(self, message: str) -> None:
        if self.on_event is not None:
            self.on_event(message)

    # -- discovery ---------------------------------------------------------------------------------
    def vpc_filter(self) -> list[dict[str, Any]]:
        return [{"Name": "vpc-id", "Values": [self.vpc_id]}] if self.vpc_id else []

    def load_balancers(self) -> list[Found]:
        elb = self.client("elbv2")
        lbs = [
            lb
            for page in elb.get_paginator("describe_load_balancers").paginate()
            for lb in page["LoadBalancers"]
            if self.vpc_id is None or lb.get("VpcId") == self.vpc_id
        ]
        return self._owned_elb(
            Kind.load_balancer,
            [(lb["LoadBalancerArn"], lb["LoadBalancerName"], lb.get("Type", "")) for lb in lbs],
        )

    def target_groups(self) -> list[Found]:
        elb = self.client("elbv2")
        groups = [
            tg
            for page in elb.get_paginator("describe_target_groups").paginate()
            for tg in page["TargetGroups"]
            if self.vpc_id is None or tg.get("VpcId") in (None, self.vpc_id)
        ]
        return self._owned_elb(
            Kind.target_group, [(tg["TargetGroupArn"], tg["TargetGroupName"], "") for tg in groups]
        )

    def _owned_elb(self, kind: Kind, items: list[tuple[str, str, str]]) -> list[Found]:
        out: list[Found] = []
        for start in range(0, len(items), 20):  # DescribeTags takes at most 20 ARNs
            chunk = items[start : start + 20]
            described = self.client("elbv2").describe_tags(ResourceArns=[arn for arn, _, _ in chunk])
            tags = {d["ResourceArn"]: _tags(d.get("Tags")) for d in described["TagDescriptions"]}
            out.extend(
                Found(kind, arn, name, detail)
                for arn, name, detail in chunk
                if owned(tags.get(arn, {}), self.cluster)
            )
        return out

    def security_groups(self) -> list[Found]:
        ec2 = self.client("ec2")
        filters = [*self.vpc_filter(), {"Name": "group-name", "Values": ["k8s-*"]}]
        return [
            Found(Kind.security_group, sg["GroupId"], sg["GroupName"], sg.get("Description", ""))
            for page in ec2.get_paginator("describe_security_groups").paginate(Filters=filters)
            for sg in page["SecurityGroups"]
            if owned(_tags(sg.get("Tags")), self.cluster)
        ]

    def network_interfaces(self) -> list[Found]:
        ec2 = self.client("ec2")
        filters = [*self.vpc_filter(), {"Name": "status", "Values": ["available"]}]
        return [
            Found(Kind.network_interface, eni["NetworkInterfaceId"], eni.get("Description", ""))
            for page in ec2.get_paginator("describe_network_interfaces").paginate(Filters=filters)
            for eni in page["NetworkInterfaces"]
            if owned(_tags(eni.get("TagSet")), self.cluster)
        ]

    def volumes(self) -> list[Found]:
        ec2 = self.client("ec2")
        filters = [
            {"Name": "status", "Values": ["available"]},
            {"Name": "tag-key", "Values": [f"kubernetes.io/cluster/{self.cluster}"]},
        ]
        found = []
        for page in ec2.get_paginator("describe_volumes").paginate(Filters=filters):
            for volume in page["Volumes"]:
                tags = _tags(volume.get("Tags"))
                if owned(tags, self.cluster):
                    pvc = tags.get("kubernetes.io/created-for/pvc/name", "")
                    found.append(Found(Kind.volume, volume["VolumeId"], pvc, f"{volume.get('Size')} GiB"))
        return found

    def discover(self) -> list[Found]:
        return [
            *self.load_balancers(),
            *self.target_groups(),
            *self.security_groups(),
            *self.network_interfaces(),
            *self.volumes(),
        ]

    # -- removal -----------------------------------------------------------------------------------
    def sweep(self, *, dry_run: bool = False) -> SweepReport:
        from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

        report = SweepReport()
        steps: list[tuple[Kind, Callable[[], list[Found]], Callable[[Found], None]]] = [
            (Kind.load_balancer, self.load_balancers, self._delete_lb),
            (Kind.target_group, self.target_groups, self._delete_tg),
            (Kind.security_group, self.security_groups, self._delete_sg),
            (Kind.network_interface, self.network_interfaces, self._delete_eni),
            (Kind.volume, self.volumes, self._delete_volume),
        ]
        for kind, discover, delete in steps:
            try:
                items = discover()
            except (BotoCoreError, ClientError) as exc:
                report.failed.append((Found(kind, "-", "listing failed"), str(exc)))
                self.say(f"could not list {kind}s: {exc}")
                continue
            report.found.extend(items)
            if dry_run:
                continue
            for item in items:
                try:
                    delete(item)
                except (BotoCoreError, ClientError) as exc:
                    report.failed.append((item, str(exc)))
                    self.say(f"could not delete {item.kind} {item.id}: {exc}")
                else:
                    report.removed.append(item)
                    self.say(f"deleted {item.kind} {item.name or item.id}")
            if kind is Kind.load_balancer and items:
                self._wait_lbs_gone({i.id for i in items} - {f.id for f, _ in report.failed})
        return report

    def _delete_lb(self, item: Found) -> None:
        self.client("elbv2").delete_load_balancer(LoadBalancerArn=item.id)

    def _wait_lbs_gone(self, arns: set[str]) -> None:
        deadline = time.monotonic() + self.wait_seconds
        while arns and time.monotonic() < deadline:
            left = {lb.id for lb in self.load_balancers()}
            arns &= left
            if arns:
                self.say(f"waiting for {len(arns)} load balancer(s) to go")
                time.sleep(5)

    def _delete_tg(self, item: Found) -> None:
        self.client("elbv2").delete_target_group(TargetGroupArn=item.id)

    def _delete_sg(self, item: Found) -> None:
        ec2 = self.client("ec2")
        self._revoke_references(item.id)
        ec2.delete_security_group(GroupId=item.id)

    def _revoke_references(self, group_id: str) -> None:
        """Rules in this cluster's other groups that allow traffic from `group_id` block its deletion."""
        ec2 = self.client("ec2")
        for page in ec2.get_paginator("describe_security_groups").paginate(Filters=self.vpc_filter()):
            for sg in page["SecurityGroups"]:
                tags = _tags(sg.get("Tags"))
                mine = f"kubernetes.io/cluster/{self.cluster}" in tags or owned(tags, self.cluster)
                if sg["GroupId"] == group_id or not mine:
                    continue
                for egress in (False, True):
                    refs = _referencing(
                        sg.get("IpPermissionsEgress" if egress else "IpPermissions"), group_id
                    )
                    if not refs:
                        continue
                    if egress:
                        ec2.revoke_security_group_egress(GroupId=sg["GroupId"], IpPermissions=refs)
                    else:
                        ec2.revoke_security_group_ingress(GroupId=sg["GroupId"], IpPermissions=refs)
                    self.say(f"revoked {len(refs)} rule(s) of {sg['GroupId']} referencing {group_id}")

    def _delete_eni(self, item: Found) -> None:
        self.client("ec2").delete_network_interface(NetworkInterfaceId=item.id)

    def _delete_volume(self, item: Found) -> None:
        self.client("ec2").delete_volume(VolumeId=item.id)


def _referencing(perms: list[dict[str, Any]] | None, group_id: str) -> list[dict[str, Any]]:
    """The parts of `perms` that name `group_id` as their peer (only those get revoked)."""
    out = []
    for perm in perms or []:
        pairs = [p for p in perm.get("UserIdGroupPairs") or [] if p.get("GroupId") == group_id]
        if pairs:
            rule = {k: v for k, v in perm.items() if k in ("IpProtocol", "FromPort", "ToPort")}
            out.append({**rule, "UserIdGroupPairs": [{"GroupId": group_id} for _ in pairs[:1]]})
    return out
