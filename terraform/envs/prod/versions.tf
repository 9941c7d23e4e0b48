terraform {
  # 1.10+ for S3-native state locking (use_lockfile) in backend.tf.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "waste-coach"
      ManagedBy   = "terraform"
      Environment = var.environment
      Cluster     = var.cluster_name
    }
  }
}
