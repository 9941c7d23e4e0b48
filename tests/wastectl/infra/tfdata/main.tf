# A stand-in for terraform/envs/<name> that needs no provider: built-in terraform_data only.
# Like the real module, role, type and size come from var.nodes, so a plan knows them (cost line).
# Its outputs have the shape of the real environment's (`nodes`, vpc_id, region, cluster_name,
# bucket, certificate_arn, api_hostname), so `wastectl infra` and `wastectl rebuild` tests run
# the real Terraform engine end to end. Fake IDs are derived from names, so they are stable.

terraform {
  required_version = ">= 1.10"
}

variable "cluster_name" {
  description = "Cluster name (passed by wastectl as -var)."
  type        = string
}

variable "region" {
  description = "Region reported in the outputs (prices exist for ap-northeast-2 and us-east-1)."
  type        = string
  default     = "ap-northeast-2"
}

variable "nodes" {
  description = "Same shape as terraform/envs/prod's nodes variable."
  type = map(object({
    role          = string
    instance_type = string
    volume_size   = number
    az_index      = number
  }))
  default = {
    master   = { role = "master", instance_type = "t3.large", volume_size = 80, az_index = 0 }
    worker-1 = { role = "worker", instance_type = "t3.medium", volume_size = 40, az_index = 1 }
    worker-2 = { role = "worker", instance_type = "t3.medium", volume_size = 40, az_index = 0 }
    storage  = { role = "storage", instance_type = "t3.large", volume_size = 100, az_index = 0 }
  }
}

variable "create_delay" {
  description = "Seconds each node takes to create (tests of progress and Ctrl-C)."
  type        = number
  default     = 0
}

variable "fail_node" {
  description = "Name of a node whose creation fails (tests of failure output); empty for none."
  type        = string
  default     = ""
}

locals {
  azs   = ["${var.region}a", "${var.region}c"]
  names = sort(keys(var.nodes))
}

resource "terraform_data" "node" {
  for_each = var.nodes

  input = {
    role          = each.value.role
    instance_type = each.value.instance_type
    volume_size   = each.value.volume_size
    instance_id   = "i-${substr(sha1("${var.cluster_name}/${each.key}"), 0, 17)}"
    private_ip    = cidrhost("10.0.1.0/24", 10 + index(local.names, each.key))
    public_ip     = cidrhost("198.51.100.0/24", 10 + index(local.names, each.key))
    az            = local.azs[each.value.az_index % 2]
  }

  provisioner "local-exec" {
    command = each.key == var.fail_node ? "echo 'node ${each.key} failed to boot' >&2; exit 3" : "sleep ${var.create_delay}"
  }
}

output "nodes" {
  description = "name -> role, instance_id, private_ip, public_ip, instance_type, availability_zone, volume_size."
  value = {
    for name, node in terraform_data.node : name => {
      role              = var.nodes[name].role
      instance_id       = node.output.instance_id
      private_ip        = node.output.private_ip
      public_ip         = node.output.public_ip
      instance_type     = var.nodes[name].instance_type
      availability_zone = node.output.az
      volume_size       = var.nodes[name].volume_size
    }
  }
}

output "vpc_id" {
  description = "Fake VPC ID."
  value       = "vpc-${substr(sha1(var.cluster_name), 0, 17)}"
}

output "region" {
  description = "Region."
  value       = var.region
}

output "cluster_name" {
  description = "Cluster name."
  value       = var.cluster_name
}

output "bucket" {
  description = "Images bucket."
  value       = "test-${var.cluster_name}-images"
}

output "certificate_arn" {
  description = "Fake certificate ARN."
  value       = "arn:aws:acm:${var.region}:123456789012:certificate/${substr(sha1(var.cluster_name), 0, 8)}"
}

output "api_hostname" {
  description = "API host name."
  value       = "api.${var.cluster_name}.example.test"
}
