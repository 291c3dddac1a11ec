variable "name" {
  description = "Name prefix of the alarms, dashboard and topic."
  type        = string
}

variable "dashboard_template_path" {
  description = "Path of the CloudWatch dashboard template (dashboards/*.json in the repository)."
  type        = string
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the app metrics (EMF from the ADOT sidecar)."
  type        = string
}

variable "service_dimension" {
  description = "Value of the Service dimension on every app metric."
  type        = string
}

variable "alb_arn_suffix" {
  description = "LoadBalancer dimension of the ALB metrics."
  type        = string
}

variable "target_group_arn_suffixes" {
  description = "TargetGroup dimensions of the blue and green target groups (keys blue, green)."
  type        = map(string)
}

variable "cluster_name" {
  description = "ECS cluster name (ClusterName dimension)."
  type        = string
}

variable "ecs_service_name" {
  description = "ECS service name (ServiceName dimension)."
  type        = string
}

variable "db_instance_identifier" {
  description = "RDS instance identifier (DBInstanceIdentifier dimension)."
  type        = string
}

variable "app_log_group_name" {
  description = "Log group of the app's JSON logs (Logs Insights widget)."
  type        = string
}

variable "alarm_email" {
  description = "Email address subscribed to alarm notifications (creates an SNS topic). Empty: no email subscription."
  type        = string
  default     = ""
}

variable "alarm_sns_topic_arn" {
  description = "Existing SNS topic for alarm notifications (e.g. a chat integration). Empty: use the topic created for alarm_email, if any."
  type        = string
  default     = ""
}

variable "error_rate_threshold_percent" {
  description = "5xx share of ALB requests (percent) that fails a deployment and pages."
  type        = number
  default     = 5
}

variable "p99_latency_threshold_seconds" {
  description = "p99 of the ALB TargetResponseTime (seconds) that fails a deployment and pages."
  type        = number
  default     = 1
}

variable "rds_cpu_threshold_percent" {
  description = "RDS CPU utilization (percent) that pages."
  type        = number
  default     = 80
}

variable "rds_connections_threshold" {
  description = "RDS connection count that pages (db.t4g.micro allows about 80; raise with the instance class)."
  type        = number
  default     = 60
}

variable "rejected_adjustments_threshold" {
  description = "Rejected inventory adjustments (would leave 0..2^31-1) per 5 minutes that pages."
  type        = number
  default     = 20
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
