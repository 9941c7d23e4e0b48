variable "region" {
  description = "AWS region of every resource (the cost table in wastectl/infra/prices.json is per region)."
  type        = string
  default     = "ap-northeast-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as ap-northeast-2."
  }
}

variable "environment" {
  description = "Environment name (prod, staging, ...): the Environment tag and the bucket name prefix."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.environment))
    error_message = "environment must be lower-case letters, digits and hyphens, at most 16 characters."
  }
}

variable "cluster_name" {
  description = "Cluster name: the Cluster tag, kubernetes.io/cluster/<name>, and what wastectl --cluster names."
  type        = string
  default     = "sesacthon"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.cluster_name))
    error_message = "cluster_name must be 2-31 lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC; public subnets are /24s carved from it."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 20
    error_message = "vpc_cidr must be an IPv4 CIDR of /20 or larger."
  }
}

variable "az_count" {
  description = "Number of availability zones with a public subnet (2 or more: the ALB needs two)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be 2, 3 or 4."
  }
}

variable "nodes" {
  description = "The cluster's nodes: name -> role (master, worker, storage), instance type, root volume GiB, AZ index."
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

  validation {
    condition     = length([for n in values(var.nodes) : n if n.role == "master"]) == 1
    error_message = "nodes must have exactly one node with role = \"master\" (kubeadm's control plane)."
  }
  validation {
    condition     = alltrue([for n in values(var.nodes) : contains(["master", "worker", "storage"], n.role)])
    error_message = "every node's role must be master, worker or storage."
  }
  validation {
    condition     = alltrue([for name in keys(var.nodes) : can(regex("^[a-z][a-z0-9-]{0,30}$", name))])
    error_message = "node names must be lower-case letters, digits and hyphens (the Name tag is k8s-<name>)."
  }
  validation {
    condition     = alltrue([for n in values(var.nodes) : n.volume_size >= 20 && n.volume_size <= 1000])
    error_message = "volume_size must be 20-1000 GiB."
  }
  validation {
    condition     = alltrue([for n in values(var.nodes) : can(regex("^[a-z][a-z0-9]*[0-9][a-z]*\\.[a-z0-9]+$", n.instance_type))])
    error_message = "instance_type must look like an EC2 type, e.g. t3.medium."
  }
  validation {
    condition     = alltrue([for n in values(var.nodes) : n.az_index >= 0 && n.az_index < var.az_count])
    error_message = "every az_index must be between 0 and az_count - 1."
  }
}

variable "ssh_allowed_cidrs" {
  description = "CIDRs allowed to SSH to the nodes (port 22). Nothing else reaches 22."
  type        = list(string)

  validation {
    condition     = length(var.ssh_allowed_cidrs) > 0 && alltrue([for c in var.ssh_allowed_cidrs : can(cidrhost(c, 0))])
    error_message = "ssh_allowed_cidrs must be a non-empty list of IPv4 CIDRs, e.g. [\"203.0.113.7/32\"]."
  }
  validation {
    condition     = !contains(var.ssh_allowed_cidrs, "0.0.0.0/0")
    error_message = "ssh_allowed_cidrs must not contain 0.0.0.0/0: name the operators' addresses."
  }
}

variable "operator_cidrs" {
  description = "CIDRs allowed to reach the Kubernetes API on 6443 from outside the VPC (kubectl, wastectl health)."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.operator_cidrs : can(cidrhost(c, 0))])
    error_message = "operator_cidrs must be IPv4 CIDRs."
  }
}

variable "ssh_public_key_path" {
  description = "OpenSSH public key installed on every node for the ubuntu user."
  type        = string
  default     = "~/.ssh/id_ed25519.pub"

  validation {
    condition     = fileexists(pathexpand(var.ssh_public_key_path))
    error_message = "ssh_public_key_path must name an existing public key file."
  }
}

variable "ami_id" {
  description = "AMI of every node; empty picks the newest Canonical Ubuntu 24.04 amd64 image."
  type        = string
  default     = ""
}

variable "domain_name" {
  description = "Apex of an existing public Route53 zone; the wildcard certificate and the API record live there."
  type        = string
  default     = "growbin.app"

  validation {
    condition     = can(regex("^([a-z0-9-]+\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a DNS name such as growbin.app."
  }
}

variable "api_subdomain" {
  description = "The API host is <api_subdomain>.<domain_name>."
  type        = string
  default     = "api"
}

variable "api_alb_lookup" {
  description = "Alias the API record to the app's ALB (found by tags). Set true after the first deploy created it."
  type        = bool
  default     = false
}

variable "ingress_group" {
  description = "Ingress group name of the app (alb.ingress.kubernetes.io/group.name in charts/)."
  type        = string
  default     = "waste"
}

variable "upload_origins" {
  description = "Browser origins allowed to upload images with presigned POST (S3 CORS)."
  type        = list(string)
  default     = ["https://growbin.app", "https://www.growbin.app"]

  validation {
    condition     = alltrue([for o in var.upload_origins : can(regex("^https?://[^/*]+$", o))])
    error_message = "upload_origins must be origins like https://growbin.app (scheme and host, no path, no wildcard)."
  }
}
