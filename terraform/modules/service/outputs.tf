output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "task_definition_arn" {
  description = "Task definition revision this apply deployed."
  value       = aws_ecs_task_definition.this.arn
}

output "image" {
  description = "Image reference (repository@digest) the app container runs."
  value       = local.image
}

output "security_group_id" {
  description = "Security group of the tasks (the database admits it)."
  value       = aws_security_group.tasks.id
}

output "log_group_names" {
  description = "CloudWatch log groups: app (JSON logs), collector, emf (embedded metrics)."
  value       = local.log_group_names
}

output "execution_role_arn" {
  description = "Execution role of the task (CI must be able to pass it)."
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "Task role of the task (CI must be able to pass it)."
  value       = aws_iam_role.task.arn
}

output "infrastructure_role_arn" {
  description = "Role ECS uses to shift listener-rule weights during blue/green deployments."
  value       = aws_iam_role.infrastructure.arn
}
