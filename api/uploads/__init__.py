"""Image intake: presigned S3 uploads (or HMAC-signed local uploads), storage and image checks."""
