# The images bucket: private, SSE-S3, public access blocked, versioned, CORS for presigned POST
# uploads from the app's origins, and a lifecycle that keeps it cheap.

resource "aws_s3_bucket" "images" {
  # checkov:skip=CKV_AWS_18:access logs would need a second bucket; CloudTrail data events cover audits if needed
  # checkov:skip=CKV_AWS_144:user photos are re-creatable scan inputs, cross-region replication is not worth its cost
  # checkov:skip=CKV_AWS_145:SSE-S3 (AES256) on purpose: presigned uploads from phones need no KMS grants
  # checkov:skip=CKV2_AWS_62:nothing consumes bucket events; the API confirms uploads itself
  bucket = var.bucket_name
  tags   = merge(var.tags, { Name = var.bucket_name })
}

resource "aws_s3_bucket_public_access_block" "images" {
  bucket                  = aws_s3_bucket.images.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "images" {
  bucket = aws_s3_bucket.images.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "images" {
  bucket = aws_s3_bucket.images.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "images" {
  bucket = aws_s3_bucket.images.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_cors_configuration" "images" {
  bucket = aws_s3_bucket.images.id
  cors_rule {
    allowed_methods = ["POST", "PUT", "GET", "HEAD"]
    allowed_origins = var.upload_origins
    allowed_headers = ["*"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3000
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "images" {
  bucket = aws_s3_bucket.images.id

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "images-ia-then-expire"
    status = "Enabled"
    filter {}
    transition {
      days          = var.ia_after_days
      storage_class = "STANDARD_IA"
    }
    expiration {
      days = var.expire_after_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.images]
}
