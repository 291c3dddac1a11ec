output "state_bucket" {
  description = "State bucket name (repository variable TF_STATE_BUCKET, and `-backend-config=bucket=...`)."
  value       = aws_s3_bucket.state.id
}

output "ecr_repository_url" {
  description = "Repository CI pushes images to."
  value       = module.registry.repository_url
}

output "plan_role_arn" {
  description = "Repository variable AWS_PLAN_ROLE_ARN."
  value       = module.ci.plan_role_arn
}

output "publish_role_arn" {
  description = "Repository variable AWS_PUBLISH_ROLE_ARN."
  value       = module.ci.publish_role_arn
}

output "deploy_role_arn" {
  description = "Environment variable AWS_DEPLOY_ROLE_ARN of the production environment."
  value       = module.ci.deploy_role_arn
}
