# Remote state for this environment: one S3 object, locked with an S3 lock file (Terraform 1.10+
# use_lockfile, no DynamoDB table). The bucket is created once by terraform/bootstrap
# (docs/infra.md, "State backend"). Backend blocks cannot read variables: a new environment copies
# this directory and changes `key`.
terraform {
  backend "s3" {
    bucket       = "sesacthon-terraform-state"
    key          = "envs/prod/terraform.tfstate"
    region       = "ap-northeast-2"
    encrypt      = true
    use_lockfile = true
  }
}
