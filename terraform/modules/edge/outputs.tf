output "url" {
  description = "Base URL of the service."
  value       = local.https_enabled ? "https://${var.domain_name}" : "http://${aws_lb.this.dns_name}"
}

output "dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer (the LoadBalancer dimension of AWS/ApplicationELB metrics)."
  value       = aws_lb.this.arn_suffix
}

output "security_group_id" {
  description = "Security group of the load balancer (allowed into the tasks on the API port)."
  value       = aws_security_group.alb.id
}

output "blue_target_group_arn" {
  description = "ARN of the blue target group (the service's initial target group)."
  value       = aws_lb_target_group.this["blue"].arn
}

output "green_target_group_arn" {
  description = "ARN of the green target group (the alternate target group)."
  value       = aws_lb_target_group.this["green"].arn
}

output "target_group_arn_suffixes" {
  description = "ARN suffixes of the target groups by color (TargetGroup dimension)."
  value       = { for color, tg in aws_lb_target_group.this : color => tg.arn_suffix }
}

output "production_listener_rule_arn" {
  description = "ARN of the production listener rule that blue/green deployments shift."
  value       = aws_lb_listener_rule.production.arn
}

output "access_log_bucket" {
  description = "S3 bucket receiving the ALB access logs."
  value       = aws_s3_bucket.access_logs.id
}
