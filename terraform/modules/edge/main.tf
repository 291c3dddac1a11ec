# Edge: the internet-facing ALB, its two target groups (blue/green), listeners and access logs.
#
# Traffic path: client -> listener (HTTPS:443, or HTTP:80 without a domain) -> the "production"
# listener rule -> weighted forward to the blue and green target groups. ECS owns those weights
# during a blue/green deployment (it flips 100/0 <-> 0/100), so Terraform ignores the rule's
# action after creation. The listener's default action is a fixed 404 and never changes.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_elb_service_account" "current" {}

locals {
  https_enabled = var.domain_name != ""

  # The listener that carries production traffic.
  production_listener_arn = local.https_enabled ? aws_lb_listener.https[0].arn : aws_lb_listener.http.arn

  access_log_prefix = "alb"
}

check "https_needs_zone" {
  assert {
    condition     = var.domain_name == "" || var.route53_zone_id != ""
    error_message = "route53_zone_id must be set when domain_name is set (certificate validation and alias record)."
  }
}

# ---------------------------------------------------------------------------------------------
# Access logs
# ---------------------------------------------------------------------------------------------

resource "aws_s3_bucket" "access_logs" {
  #checkov:skip=CKV_AWS_18:This bucket is the access-log destination itself; logging it would recurse.
  #checkov:skip=CKV_AWS_144:Cross-region replication of load balancer access logs is not worth its cost here.
  #checkov:skip=CKV2_AWS_62:Nothing consumes events from the access-log bucket.
  #checkov:skip=CKV_AWS_145:ALB access-log delivery supports only SSE-S3 (AES256), not SSE-KMS.
  bucket_prefix = "${var.name}-alb-logs-"
  force_destroy = false

  tags = var.tags
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    id     = "expire"
    status = "Enabled"

    filter {}

    expiration {
      days = var.access_log_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "access_logs" {
  # Regions launched before August 2022 deliver as the regional ELB account ...
  statement {
    sid       = "ElbAccountDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs.arn}/${local.access_log_prefix}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]

    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.current.arn]
    }
  }

  # ... newer regions as the log-delivery service principal.
  statement {
    sid       = "LogDeliveryServiceDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs.arn}/${local.access_log_prefix}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.access_logs.arn, "${aws_s3_bucket.access_logs.arn}/*"]

    # A Deny for everyone: no request without TLS, whoever makes it.
    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  policy = data.aws_iam_policy_document.access_logs.json

  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}

# ---------------------------------------------------------------------------------------------
# Load balancer
# ---------------------------------------------------------------------------------------------

resource "aws_security_group" "alb" {
  name_prefix = "${var.name}-alb-"
  description = "Internet-facing ALB of ${var.name}"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  count = local.https_enabled ? 1 : 0

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from the internet"
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  #checkov:skip=CKV_AWS_260:Port 80 is public by design: with a domain it only answers 301 to HTTPS; without one it is the sandbox's only listener.
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from the internet (redirected to HTTPS when a domain is configured)"
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 80
  to_port           = 80
  ip_protocol       = "tcp"
}

resource "aws_vpc_security_group_egress_rule" "alb_targets" {
  security_group_id = aws_security_group.alb.id
  description       = "To the service tasks (API port only)"
  cidr_ipv4         = var.vpc_cidr
  from_port         = var.target_port
  to_port           = var.target_port
  ip_protocol       = "tcp"
}

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_20:The HTTP listener redirects to HTTPS whenever domain_name is set (dynamic default_action checkov cannot evaluate); without a domain there is no certificate to redirect to.
  #checkov:skip=CKV2_AWS_28:No WAF by default (cost); attach a web ACL to this ALB where the threat model asks for one.
  name               = var.name
  load_balancer_type = "application"
  internal           = false
  security_groups    = [aws_security_group.alb.id]
  subnets            = var.public_subnet_ids

  drop_invalid_header_fields = true
  desync_mitigation_mode     = "strictest"
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 60

  access_logs {
    bucket  = aws_s3_bucket.access_logs.id
    prefix  = local.access_log_prefix
    enabled = true
  }

  tags = var.tags

  depends_on = [aws_s3_bucket_policy.access_logs]
}

# Two identical target groups: ECS registers the new revision's tasks in the idle one, shifts the
# production rule to it, and keeps the old one warm for the bake time (instant rollback).
resource "aws_lb_target_group" "this" {
  #checkov:skip=CKV_AWS_378:TLS terminates at the ALB; ALB-to-task traffic stays inside the VPC (private subnets, security-group restricted) and the app serves plain HTTP.
  for_each = toset(["blue", "green"])

  name                 = "${var.name}-${each.key}"
  vpc_id               = var.vpc_id
  target_type          = "ip"
  protocol             = "HTTP"
  port                 = var.target_port
  deregistration_delay = var.deregistration_delay

  health_check {
    enabled             = true
    path                = var.health_check_path
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = merge(var.tags, { Color = each.key })
}

# ---------------------------------------------------------------------------------------------
# TLS (only with a domain)
# ---------------------------------------------------------------------------------------------

resource "aws_acm_certificate" "this" {
  count = local.https_enabled ? 1 : 0

  domain_name       = var.domain_name
  validation_method = "DNS"

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = local.https_enabled ? {
    for dvo in aws_acm_certificate.this[0].domain_validation_options : dvo.domain_name => dvo
  } : {}

  zone_id         = var.route53_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 60
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  count = local.https_enabled ? 1 : 0

  certificate_arn         = aws_acm_certificate.this[0].arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

resource "aws_route53_record" "alias" {
  count = local.https_enabled ? 1 : 0

  zone_id = var.route53_zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}

# ---------------------------------------------------------------------------------------------
# Listeners and the production rule
# ---------------------------------------------------------------------------------------------

resource "aws_lb_listener" "https" {
  count = local.https_enabled ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = aws_acm_certificate_validation.this[0].certificate_arn

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "application/problem+json"
      message_body = jsonencode({ type = "about:blank", title = "Not Found", status = 404 })
      status_code  = "404"
    }
  }

  tags = var.tags
}

# With a domain: every plain-HTTP request is redirected to HTTPS. Without one (sandbox): this is
# the production listener, and its default answer is the same fixed 404 as the HTTPS listener.
resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2:With domain_name set this listener only redirects to HTTPS (301); plain HTTP serving is the documented domainless sandbox mode.
  #checkov:skip=CKV_AWS_103:Same listener: TLS settings live on the HTTPS listener, which uses a TLS 1.2+/1.3 policy.
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  dynamic "default_action" {
    for_each = local.https_enabled ? [1] : []

    content {
      type = "redirect"

      redirect {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }

  dynamic "default_action" {
    for_each = local.https_enabled ? [] : [1]

    content {
      type = "fixed-response"

      fixed_response {
        content_type = "application/problem+json"
        message_body = jsonencode({ type = "about:blank", title = "Not Found", status = 404 })
        status_code  = "404"
      }
    }
  }

  tags = var.tags
}

# The rule ECS's native blue/green deployment shifts: both target groups are on it (no separate
# test rule), blue starts with all the weight.
resource "aws_lb_listener_rule" "production" {
  listener_arn = local.production_listener_arn
  priority     = 100

  action {
    type = "forward"

    forward {
      target_group {
        arn    = aws_lb_target_group.this["blue"].arn
        weight = 100
      }

      target_group {
        arn    = aws_lb_target_group.this["green"].arn
        weight = 0
      }
    }
  }

  condition {
    path_pattern {
      values = ["/*"]
    }
  }

  tags = var.tags

  lifecycle {
    # ECS rewrites the weights on every deployment (hashicorp/terraform-provider-aws#43905).
    ignore_changes = [action]
  }
}
