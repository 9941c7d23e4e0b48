output "nodes" {
  description = "name -> role, instance_id, private_ip, public_ip, instance_type, availability_zone, volume_size."
  value = {
    for name, node in aws_instance.node : name => {
      role              = var.nodes[name].role
      instance_id       = node.id
      private_ip        = node.private_ip
      public_ip         = node.public_ip
      instance_type     = node.instance_type
      availability_zone = node.availability_zone
      volume_size       = var.nodes[name].volume_size
    }
  }
}
