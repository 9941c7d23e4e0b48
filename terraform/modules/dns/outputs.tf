output "certificate_arn" {
  description = "ARN of the validated wildcard certificate."
  value       = aws_acm_certificate_validation.wildcard.certificate_arn
}

output "api_hostname" {
  description = "Host name of the API record."
  value       = "${var.api_subdomain}.${var.domain_name}"
}

output "zone_id" {
  description = "ID of the Route53 zone."
  value       = data.aws_route53_zone.this.zone_id
}
