# Root configuration of one environment: the modules of terraform/modules wired together.

data "aws_availability_zones" "available" {
  state = "available"
}

module "network" {
  source = "../../modules/network"

  cluster_name       = var.cluster_name
  vpc_cidr           = var.vpc_cidr
  az_count           = var.az_count
  availability_zones = data.aws_availability_zones.available.names
  ssh_allowed_cidrs  = var.ssh_allowed_cidrs
  operator_cidrs     = var.operator_cidrs
}

module "storage" {
  source = "../../modules/storage"

  bucket_name    = "${var.environment}-${var.cluster_name}-images"
  upload_origins = var.upload_origins
}

module "iam" {
  source = "../../modules/iam"

  cluster_name = var.cluster_name
  bucket_arn   = module.storage.bucket_arn
}

module "nodes" {
  source = "../../modules/nodes"

  cluster_name                    = var.cluster_name
  nodes                           = var.nodes
  subnet_ids                      = module.network.subnet_ids
  control_plane_security_group_id = module.network.control_plane_security_group_id
  nodes_security_group_id         = module.network.nodes_security_group_id
  instance_profile_name           = module.iam.instance_profile_name
  ssh_public_key                  = file(pathexpand(var.ssh_public_key_path))
  ami_id                          = var.ami_id
}

module "dns" {
  source = "../../modules/dns"

  cluster_name   = var.cluster_name
  domain_name    = var.domain_name
  api_subdomain  = var.api_subdomain
  api_alb_lookup = var.api_alb_lookup
  ingress_group  = var.ingress_group
}
