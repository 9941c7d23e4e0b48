variable "cluster_name" {
  description = "Cluster name: the load balancer controller tags its ALBs with it."
  type        = string
}

variable "domain_name" {
  description = "Apex domain of an existing public Route53 zone, e.g. growbin.app."
  type        = string
}

variable "api_subdomain" {
  description = "Host label of the API record: <api_subdomain>.<domain_name>."
  type        = string
}

variable "api_alb_lookup" {
  description = "Create the API alias record to the ALB found by its tags (true once the ingress exists)."
  type        = bool
}

variable "ingress_group" {
  description = "alb.ingress.kubernetes.io/group.name of the app's ingresses (the ALB's ingress.k8s.aws/stack tag)."
  type        = string
}

variable "tags" {
  description = "Extra tags for every resource of this module."
  type        = map(string)
  default     = {}
}
