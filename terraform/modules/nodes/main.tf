# One aws_instance per entry of var.nodes: adding a node is one map entry, and nothing else in
# the repository counts nodes (the outputs, the inventory and the health checks all follow).

data "aws_ami" "ubuntu" {
  count       = var.ami_id == "" ? 1 : 0
  most_recent = true
  owners      = ["099720109477"] # Canonical

  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"]
  }

  filter {
    name   = "virtualization-type"
    values = ["hvm"]
  }
}

resource "aws_key_pair" "this" {
  key_name   = "${var.cluster_name}-nodes"
  public_key = var.ssh_public_key
  tags       = var.tags
}

resource "aws_instance" "node" {
  for_each = var.nodes

  ami                  = var.ami_id != "" ? var.ami_id : data.aws_ami.ubuntu[0].id
  instance_type        = each.value.instance_type
  subnet_id            = var.subnet_ids[each.value.az_index]
  key_name             = aws_key_pair.this.key_name
  iam_instance_profile = var.instance_profile_name
  monitoring           = true
  ebs_optimized        = true
  vpc_security_group_ids = concat(
    [var.nodes_security_group_id],
    each.value.role == "master" ? [var.control_plane_security_group_id] : [],
  )

  # IMDSv2 only. Hop limit 2 so pods (the load balancer controller, the EBS CSI driver) reach it.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = each.value.volume_size
    encrypted             = true
    delete_on_termination = true
    tags                  = merge(var.tags, { Name = "k8s-${each.key}-root", Cluster = var.cluster_name })
  }

  tags = merge(var.tags, {
    Name                                        = "k8s-${each.key}"
    Cluster                                     = var.cluster_name
    Role                                        = each.value.role
    "kubernetes.io/cluster/${var.cluster_name}" = "owned"
  })

  lifecycle {
    # A newer Ubuntu image must not replace running nodes; rebuild picks it up.
    ignore_changes = [ami]
  }
}
