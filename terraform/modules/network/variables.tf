variable "cluster_name" {
  description = "Cluster name: used in resource names and the kubernetes.io/cluster/<name> tag."
  type        = string
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 24
    error_message = "vpc_cidr must be an IPv4 CIDR of /24 or larger, e.g. 10.0.0.0/16."
  }
}

variable "az_count" {
  description = "How many availability zones get a public subnet (the ALB needs at least 2)."
  type        = number

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 6 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number from 2 to 6."
  }
}

variable "availability_zones" {
  description = "Availability zone names to use, in order; at least az_count of them."
  type        = list(string)
}

variable "ssh_allowed_cidrs" {
  description = "CIDRs allowed to reach port 22 on the nodes."
  type        = list(string)
}

variable "operator_cidrs" {
  description = "CIDRs allowed to reach the Kubernetes API (6443) from outside the VPC."
  type        = list(string)
}

variable "tags" {
  description = "Extra tags for every resource of this module."
  type        = map(string)
  default     = {}
}
