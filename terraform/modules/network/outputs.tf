output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "subnet_ids" {
  description = "Public subnet IDs, one per availability zone, in AZ order."
  value       = aws_subnet.public[*].id
}

output "control_plane_security_group_id" {
  description = "Security group of the control-plane nodes."
  value       = aws_security_group.control_plane.id
}

output "nodes_security_group_id" {
  description = "Security group of every node (the control plane has both groups)."
  value       = aws_security_group.nodes.id
}
