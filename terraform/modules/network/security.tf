# Security groups of a kubeadm cluster with Calico VXLAN. One aws_vpc_security_group_*_rule per
# rule, so the two groups can reference each other without a dependency cycle.
#
# Control plane: API 6443 (nodes, itself, operator CIDRs), etcd 2379-2380 and the controller
# manager / scheduler 10257/10259 (itself), kubelet 10250, VXLAN 4789/udp, Typha 5473.
# Nodes: kubelet 10250, VXLAN 4789/udp, Typha 5473 from both groups, NodePorts and the kube-proxy
# health port 10256 from inside the VPC. Both: SSH 22 only from var.ssh_allowed_cidrs.
# Calico Typha 5473 is here because the predecessor's clusters broke without it.

resource "aws_security_group" "control_plane" {
  name        = "${var.cluster_name}-control-plane"
  description = "Kubernetes control plane of ${var.cluster_name}"
  vpc_id      = aws_vpc.this.id
  tags        = merge(var.tags, local.cluster_tag, { Name = "${var.cluster_name}-control-plane" })
}

resource "aws_security_group" "nodes" {
  name        = "${var.cluster_name}-nodes"
  description = "Kubernetes nodes of ${var.cluster_name}"
  vpc_id      = aws_vpc.this.id
  tags        = merge(var.tags, local.cluster_tag, { Name = "${var.cluster_name}-nodes" })
}

locals {
  groups = {
    control_plane = aws_security_group.control_plane.id
    nodes         = aws_security_group.nodes.id
  }

  # Rules between the groups: [group, from, to, protocol, peer group, description].
  peer_rules = [
    ["control_plane", 6443, 6443, "tcp", "nodes", "Kubernetes API from the nodes"],
    ["control_plane", 6443, 6443, "tcp", "control_plane", "Kubernetes API from the control plane"],
    ["control_plane", 2379, 2380, "tcp", "control_plane", "etcd client and peer"],
    ["control_plane", 10257, 10257, "tcp", "control_plane", "kube-controller-manager"],
    ["control_plane", 10259, 10259, "tcp", "control_plane", "kube-scheduler"],
    ["control_plane", 10250, 10250, "tcp", "control_plane", "kubelet"],
    ["control_plane", 10250, 10250, "tcp", "nodes", "kubelet (metrics-server on a node)"],
    ["control_plane", 4789, 4789, "udp", "control_plane", "Calico VXLAN"],
    ["control_plane", 4789, 4789, "udp", "nodes", "Calico VXLAN"],
    ["control_plane", 5473, 5473, "tcp", "control_plane", "Calico Typha"],
    ["control_plane", 5473, 5473, "tcp", "nodes", "Calico Typha"],
    ["nodes", 10250, 10250, "tcp", "control_plane", "kubelet from the API server"],
    ["nodes", 10250, 10250, "tcp", "nodes", "kubelet (metrics-server)"],
    ["nodes", 4789, 4789, "udp", "control_plane", "Calico VXLAN"],
    ["nodes", 4789, 4789, "udp", "nodes", "Calico VXLAN"],
    ["nodes", 5473, 5473, "tcp", "control_plane", "Calico Typha"],
    ["nodes", 5473, 5473, "tcp", "nodes", "Calico Typha"],
  ]

  # Rules from CIDRs: [group, from, to, protocol, cidr, description].
  cidr_rules = concat(
    [for g in keys(local.groups) : [g, 30000, 32767, "tcp", var.vpc_cidr, "NodePorts from inside the VPC"]],
    [for g in keys(local.groups) : [g, 10256, 10256, "tcp", var.vpc_cidr, "kube-proxy health (load balancers)"]],
    [for pair in setproduct(keys(local.groups), var.ssh_allowed_cidrs) : [pair[0], 22, 22, "tcp", pair[1], "SSH from an allowed CIDR"]],
    [for cidr in var.operator_cidrs : ["control_plane", 6443, 6443, "tcp", cidr, "Kubernetes API from an operator CIDR"]],
  )
}

resource "aws_vpc_security_group_ingress_rule" "peer" {
  for_each = { for r in local.peer_rules : "${r[0]}-${r[3]}-${r[1]}-${r[2]}-from-${r[4]}" => r }

  security_group_id            = local.groups[each.value[0]]
  from_port                    = each.value[1]
  to_port                      = each.value[2]
  ip_protocol                  = each.value[3]
  referenced_security_group_id = local.groups[each.value[4]]
  description                  = each.value[5]
}

resource "aws_vpc_security_group_ingress_rule" "cidr" {
  for_each = { for r in local.cidr_rules : "${r[0]}-${r[3]}-${r[1]}-${r[2]}-from-${r[4]}" => r }

  security_group_id = local.groups[each.value[0]]
  from_port         = each.value[1]
  to_port           = each.value[2]
  ip_protocol       = each.value[3]
  cidr_ipv4         = each.value[4]
  description       = each.value[5]
}

# Nodes pull images and packages from the internet; egress stays open.
resource "aws_vpc_security_group_egress_rule" "all" {
  for_each = local.groups

  security_group_id = each.value
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
  description       = "All egress (image and package downloads)"
}
