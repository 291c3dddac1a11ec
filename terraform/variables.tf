variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Stack name: prefix of every resource (at most 20 characters; the CI deploy role is scoped to it)."
  type        = string
  default     = "products-api"
}

variable "environment" {
  description = "Environment name (tags, OTEL deployment.environment.name)."
  type        = string
  default     = "production"
}

variable "ecr_repository_name" {
  description = "ECR repository created by the bootstrap stack and pushed to by CI."
  type        = string
  default     = "products-api"
}

variable "image_digest" {
  description = "Digest of the image to deploy (sha256:...), as pushed by CI. Set by the pipeline on every apply."
  type        = string
}

variable "app_version" {
  description = "Release label of that image (the commit SHA)."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Availability zones used (at least 2)."
  type        = number
  default     = 2
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper) instead of one per AZ."
  type        = bool
  default     = true
}

variable "enable_interface_endpoints" {
  description = "Interface VPC endpoints for ECR, Logs and Secrets Manager."
  type        = bool
  default     = true
}

variable "domain_name" {
  description = "DNS name served over HTTPS. Empty: HTTP on the ALB's DNS name (sandbox)."
  type        = string
  default     = ""
}

variable "route53_zone_id" {
  description = "Route 53 zone of domain_name."
  type        = string
  default     = ""
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_max_connections" {
  description = "Connection pool size per task (DB_MAX_CONNECTIONS). During a blue/green deployment both sets of tasks hold their pools, so the database must allow 2 x max_capacity x this."
  type        = number
  default     = 10
}

variable "db_multi_az" {
  description = "Multi-AZ RDS (standby in a second AZ)."
  type        = bool
  default     = true
}

variable "db_deletion_protection" {
  description = "Deletion protection of the database (and of the ALB)."
  type        = bool
  default     = true
}

variable "min_capacity" {
  description = "Minimum number of tasks."
  type        = number
  default     = 2
}

variable "max_capacity" {
  description = "Maximum number of tasks."
  type        = number
  default     = 6
}

variable "bake_time_minutes" {
  description = "Blue/green bake time in minutes."
  type        = number
  default     = 10
}

variable "log_retention_days" {
  description = "Retention of the service's log groups, in days."
  type        = number
  default     = 30
}

variable "alarm_email" {
  description = "Email subscribed to the alarms (empty: none)."
  type        = string
  default     = ""
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the app metrics."
  type        = string
  default     = "ProductsApi"
}
