output "instance_profile_name" {
  description = "Instance profile of every node."
  value       = aws_iam_instance_profile.node.name
}

output "node_role_arn" {
  description = "ARN of the node role."
  value       = aws_iam_role.node.arn
}
