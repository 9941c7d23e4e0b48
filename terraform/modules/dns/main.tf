# ACM wildcard certificate (apex + *.domain) validated through DNS in an existing Route53 zone,
# and the API record.
#
# The API record is an alias to the ALB that the AWS Load Balancer Controller creates for the
# app's ingress group, found by its tags. That ALB exists only after the first deploy, so the
# record is created when api_alb_lookup = true (the second apply); until then the `api_hostname`
# output names the record the deploy step must point at the ALB.

data "aws_route53_zone" "this" {
  name         = var.domain_name
  private_zone = false
}

resource "aws_acm_certificate" "wildcard" {
  domain_name               = var.domain_name
  subject_alternative_names = ["*.${var.domain_name}"]
  validation_method         = "DNS"
  tags                      = merge(var.tags, { Name = "${var.cluster_name}-wildcard" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = {
    for option in aws_acm_certificate.wildcard.domain_validation_options : option.domain_name => option
  }

  zone_id         = data.aws_route53_zone.this.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 60
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "wildcard" {
  certificate_arn         = aws_acm_certificate.wildcard.arn
  validation_record_fqdns = [for record in aws_route53_record.validation : record.fqdn]
}

data "aws_lb" "api" {
  count = var.api_alb_lookup ? 1 : 0
  tags = {
    "elbv2.k8s.aws/cluster" = var.cluster_name
    "ingress.k8s.aws/stack" = var.ingress_group
  }
}

resource "aws_route53_record" "api" {
  count = var.api_alb_lookup ? 1 : 0

  zone_id = data.aws_route53_zone.this.zone_id
  name    = "${var.api_subdomain}.${var.domain_name}"
  type    = "A"

  alias {
    name                   = data.aws_lb.api[0].dns_name
    zone_id                = data.aws_lb.api[0].zone_id
    evaluate_target_health = true
  }
}
