output "nodes" {
  description = "name -> role, instance_id, private_ip, public_ip, instance_type, availability_zone, volume_size."
  # role, type and size from var.nodes: known at plan time, which the cost line needs.
  value = {
    for name, node in aws_instance.node : name => {
      role              = var.nodes[name].role
      instance_id       = node.id
      private_ip        = node.private_ip
      public_ip         = node.public_ip
      instance_type     = var.nodes[name].instance_type
      availability_zone = node.availability_zone
      volume_size       = var.nodes[name].volume_size
    }
  }
}
