output "url" {
  description = "Base URL of the service (smoke tests and clients)."
  value       = module.edge.url
}

output "dashboard_url" {
  description = "CloudWatch dashboard of the service."
  value       = module.observability.dashboard_url
}

output "ecr_repository_url" {
  description = "Repository the deployed image comes from."
  value       = data.aws_ecr_repository.app.repository_url
}

output "deployed_image" {
  description = "Exact image reference (repository@digest) of the current task definition."
  value       = module.service.image
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = module.service.cluster_name
}

output "service_name" {
  description = "ECS service name."
  value       = module.service.service_name
}

output "app_log_group" {
  description = "Log group of the app's JSON logs."
  value       = module.service.log_group_names["app"]
}

output "app_version" {
  description = "Release label (commit SHA) of the deployed image."
  value       = var.app_version
}
