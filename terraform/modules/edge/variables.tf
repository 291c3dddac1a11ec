variable "name" {
  description = "Name prefix (the ALB and target group names derive from it; keep it short, at most 20 characters)."
  type        = string

  validation {
    condition     = length(var.name) <= 20
    error_message = "name must be at most 20 characters (target group names are limited to 32)."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancer and its targets."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR of the VPC (the ALB may only send traffic into it)."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets (two or more AZs) for the internet-facing ALB."
  type        = list(string)
}

variable "target_port" {
  description = "Port the service listens on inside the task (the API port, LISTEN_ADDR)."
  type        = number
  default     = 8080
}

variable "health_check_path" {
  description = "Liveness path probed by the target groups (the service's /healthz never touches the database)."
  type        = string
  default     = "/healthz"
}

variable "deregistration_delay" {
  description = "Seconds the ALB keeps draining in-flight requests to a deregistering target before ECS stops it. The API answers in well under a second, so a short drain keeps blue/green cut-overs fast."
  type        = number
  default     = 15
}

variable "domain_name" {
  description = "DNS name to serve over HTTPS (an ACM certificate is issued for it). Empty: plain HTTP on the ALB's own DNS name (sandbox only)."
  type        = string
  default     = ""
}

variable "route53_zone_id" {
  description = "Public Route 53 zone that holds domain_name (DNS validation of the certificate and the alias record). Required when domain_name is set."
  type        = string
  default     = ""
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener (TLS 1.3/1.2 only, post-quantum key exchange)."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer (turn off explicitly before a teardown)."
  type        = bool
  default     = true
}

variable "access_log_retention_days" {
  description = "Days ALB access logs are kept in S3."
  type        = number
  default     = 90
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
