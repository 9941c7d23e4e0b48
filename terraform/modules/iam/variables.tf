variable "cluster_name" {
  description = "Cluster name: prefixes the role, profile and policy names; scopes the EBS CSI policy."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the images bucket the API's pods read and write through the node role."
  type        = string
}

variable "tags" {
  description = "Extra tags for every resource of this module."
  type        = map(string)
  default     = {}
}
