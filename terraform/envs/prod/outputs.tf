# The shape `wastectl nodes --source terraform` and `wastectl rebuild` read from
# `terraform output -json` (saved by `wastectl infra apply`); keep it compatible.

output "nodes" {
  description = "name -> role, instance_id, private_ip, public_ip, instance_type, availability_zone, volume_size."
  value       = module.nodes.nodes
}

output "vpc_id" {
  description = "ID of the cluster's VPC (the load balancer controller's --aws-vpc-id)."
  value       = module.network.vpc_id
}

output "region" {
  description = "AWS region."
  value       = var.region
}

output "cluster_name" {
  description = "Cluster name (Cluster tag)."
  value       = var.cluster_name
}

output "bucket" {
  description = "Images bucket (WASTE_S3_BUCKET of the API)."
  value       = module.storage.bucket
}

output "certificate_arn" {
  description = "Validated wildcard ACM certificate (the ingress's certificate-arn annotation)."
  value       = module.dns.certificate_arn
}

output "api_hostname" {
  description = "Host name of the API (Route53 alias to the ALB once api_alb_lookup = true)."
  value       = module.dns.api_hostname
}

output "subnet_ids" {
  description = "Public subnets in AZ order."
  value       = module.network.subnet_ids
}
