variable "bucket_name" {
  description = "Name of the images bucket (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lower-case letters, digits, dots and hyphens."
  }
}

variable "upload_origins" {
  description = "Browser origins allowed to POST presigned uploads (CORS)."
  type        = list(string)
}

variable "ia_after_days" {
  description = "Days after which images move to STANDARD_IA."
  type        = number
  default     = 30
}

variable "expire_after_days" {
  description = "Days after which images are deleted."
  type        = number
  default     = 90
}

variable "tags" {
  description = "Extra tags for every resource of this module."
  type        = map(string)
  default     = {}
}
