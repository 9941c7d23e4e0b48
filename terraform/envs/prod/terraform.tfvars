# prod: the seed's four nodes (variables.tf defaults) in ap-northeast-2.
# Replace the documentation addresses below with the operators' real /32s before `wastectl infra plan`.
region            = "ap-northeast-2"
environment       = "prod"
cluster_name      = "sesacthon"
ssh_allowed_cidrs = ["203.0.113.10/32"]
operator_cidrs    = ["203.0.113.10/32"]
domain_name       = "growbin.app"
