# Bootstrap of the remote state: the S3 bucket every environment's backend.tf points at.
# Run once per AWS account with local state (docs/infra.md, "State backend"):
#   terraform -chdir=terraform/bootstrap init && terraform -chdir=terraform/bootstrap apply
# Locking needs no DynamoDB table: Terraform 1.10+ writes a lock object next to the state
# (use_lockfile = true in each backend.tf).

terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

variable "region" {
  description = "Region of the state bucket (the environments' backend.tf name the same)."
  type        = string
  default     = "ap-northeast-2"
}

variable "state_bucket" {
  description = "Name of the state bucket (globally unique)."
  type        = string
  default     = "sesacthon-terraform-state"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket))
    error_message = "state_bucket must be a valid S3 bucket name."
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = { Project = "waste-coach", ManagedBy = "terraform", Purpose = "terraform-state" }
  }
}

resource "aws_s3_bucket" "state" {
  # checkov:skip=CKV_AWS_18:access logs of the state bucket would need yet another bucket; CloudTrail covers it
  # checkov:skip=CKV_AWS_144:state is small and versioned; cross-region replication is not worth it here
  # checkov:skip=CKV_AWS_145:SSE-S3 is enough for state that holds no secrets (none are put in outputs)
  # checkov:skip=CKV2_AWS_62:nothing consumes state bucket events
  bucket = var.state_bucket

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "old-state-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

output "state_bucket" {
  description = "Name of the state bucket."
  value       = aws_s3_bucket.state.id
}
