variable "cluster_name" {
  description = "Cluster name: the Cluster tag and the kubernetes.io/cluster/<name> tag."
  type        = string
}

variable "nodes" {
  description = "The cluster's nodes: name -> role, instance type, root volume size (GiB), AZ index."
  type = map(object({
    role          = string
    instance_type = string
    volume_size   = number
    az_index      = number
  }))
}

variable "subnet_ids" {
  description = "Subnet IDs in AZ order; a node's az_index picks one."
  type        = list(string)
}

variable "control_plane_security_group_id" {
  description = "Extra security group of nodes whose role is master."
  type        = string
}

variable "nodes_security_group_id" {
  description = "Security group of every node."
  type        = string
}

variable "instance_profile_name" {
  description = "IAM instance profile every node runs with."
  type        = string
}

variable "ssh_public_key" {
  description = "OpenSSH public key installed for the default user (ubuntu)."
  type        = string
}

variable "ami_id" {
  description = "AMI for every node; empty means the newest Canonical Ubuntu 24.04 amd64 image."
  type        = string
}

variable "tags" {
  description = "Extra tags for every resource of this module."
  type        = map(string)
  default     = {}
}
