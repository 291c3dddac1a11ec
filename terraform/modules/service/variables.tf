variable "name" {
  description = "Name of the ECS cluster, service and task family (and prefix of everything else here)."
  type        = string
}

variable "environment" {
  description = "Deployment environment name (OTEL deployment.environment.name)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR of the VPC (task egress to the interface VPC endpoints)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets the tasks run in (no public IPs)."
  type        = list(string)
}

variable "alb_security_group_id" {
  description = "Security group of the load balancer, the only source allowed to reach the API port."
  type        = string
}

variable "blue_target_group_arn" {
  description = "Initial target group of the service."
  type        = string
}

variable "green_target_group_arn" {
  description = "Alternate target group for blue/green deployments."
  type        = string
}

variable "production_listener_rule_arn" {
  description = "Listener rule whose forward weights ECS shifts between blue and green."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the ALB (request-count autoscaling metric)."
  type        = string
}

variable "target_group_arn_suffixes" {
  description = "ARN suffixes of the blue and green target groups (request-count autoscaling metric)."
  type        = map(string)
}

variable "image_repository_url" {
  description = "ECR repository URL the image was pushed to (without tag or digest)."
  type        = string
}

variable "image_repository_arn" {
  description = "ARN of that repository (the execution role may pull from it and nothing else)."
  type        = string
}

variable "image_digest" {
  description = "Digest (sha256:...) of the image to run. Deploying by digest means the task runs exactly the bytes CI pushed."
  type        = string

  validation {
    condition     = can(regex("^sha256:[0-9a-f]{64}$", var.image_digest))
    error_message = "image_digest must look like sha256:<64 hex digits>."
  }
}

variable "app_version" {
  description = "Version label of the release (the commit SHA), exported as service.version."
  type        = string
}

variable "app_port" {
  description = "API port (LISTEN_ADDR); the container port registered in the target groups."
  type        = number
  default     = 8080
}

variable "metrics_port" {
  description = "Prometheus metrics port (METRICS_ADDR), bound to 127.0.0.1 and scraped by the sidecar; never mapped or routed."
  type        = number
  default     = 9090
}

variable "metrics_path" {
  description = "Path of the Prometheus endpoint on metrics_port."
  type        = string
  default     = "/metrics"
}

variable "task_cpu" {
  description = "Task CPU units (app + collector)."
  type        = number
  default     = 512
}

variable "task_memory" {
  description = "Task memory in MiB (app + collector)."
  type        = number
  default     = 1024
}

variable "collector_cpu" {
  description = "CPU units reserved for the ADOT collector sidecar."
  type        = number
  default     = 128
}

variable "collector_memory" {
  description = "Hard memory limit of the ADOT collector sidecar, in MiB (GOMEMLIMIT is set below it)."
  type        = number
  default     = 256
}

variable "cpu_architecture" {
  description = "Fargate CPU architecture; must match the image CI builds."
  type        = string
  default     = "X86_64"
}

variable "min_capacity" {
  description = "Minimum (and initial) number of tasks."
  type        = number
  default     = 2

  validation {
    condition     = var.min_capacity >= 2
    error_message = "min_capacity must be at least 2 (one task per AZ)."
  }
}

variable "max_capacity" {
  description = "Maximum number of tasks autoscaling may run."
  type        = number
  default     = 6
}

variable "cpu_target_percent" {
  description = "Target average CPU utilization for target tracking."
  type        = number
  default     = 60
}

variable "requests_per_target_per_minute" {
  description = "Target ALB requests per task per minute for target tracking."
  type        = number
  default     = 3000
}

variable "db_host" {
  description = "PostgreSQL host (PGHOST)."
  type        = string
}

variable "db_port" {
  description = "PostgreSQL port (PGPORT)."
  type        = number
  default     = 5432
}

variable "db_name" {
  description = "PostgreSQL database (PGDATABASE)."
  type        = string
}

variable "db_secret_arn" {
  description = "ARN of the RDS-managed master-user secret (JSON keys username and password), read into PGUSER/PGPASSWORD at task start."
  type        = string
}

variable "db_security_group_id" {
  description = "Security group of the database (task egress on the PostgreSQL port)."
  type        = string
}

variable "db_max_connections" {
  description = "Connection pool size per task (DB_MAX_CONNECTIONS)."
  type        = number
  default     = 10
}

variable "shutdown_grace_seconds" {
  description = "SHUTDOWN_GRACE_SECONDS: how long the app finishes in-flight requests after SIGTERM."
  type        = number
  default     = 25
}

variable "stop_timeout" {
  description = "Seconds ECS waits after SIGTERM before SIGKILL (Fargate max 120). Must exceed shutdown_grace_seconds."
  type        = number
  default     = 40
}

variable "health_check_grace_period_seconds" {
  description = "Seconds after a task starts during which failing ALB health checks are ignored (covers migrations at start)."
  type        = number
  default     = 60
}

variable "bake_time_minutes" {
  description = "Minutes the old (blue) revision stays up after production traffic moved to green; an alarm in that window rolls back by flipping the weights."
  type        = number
  default     = 10
}

variable "deployment_alarm_names" {
  description = "CloudWatch alarms that fail (and roll back) a deployment when they fire."
  type        = list(string)
}

variable "metrics_namespace" {
  description = "CloudWatch namespace the collector publishes the app metrics to (EMF)."
  type        = string
}

variable "service_dimension" {
  description = "Value of the Service dimension on every app metric."
  type        = string
}

variable "adot_image" {
  description = "ADOT collector image, pinned to a release tag (each release is supported until the next minor)."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
}

variable "trace_sample_ratio" {
  description = "Fraction of new traces sampled (OTEL_TRACES_SAMPLER_ARG for parentbased_traceidratio)."
  type        = string
  default     = "1.0"
}

variable "rust_log" {
  description = "RUST_LOG filter of the app."
  type        = string
  default     = "info"
}

variable "log_retention_days" {
  description = "Retention of the app, collector and EMF log groups, in days."
  type        = number
  default     = 30
}

variable "redeploy_on_secret_rotation" {
  description = "Force a new (blue/green) deployment whenever the database secret rotates, so no task keeps a stale password."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
