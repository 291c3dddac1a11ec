output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider."
  value       = local.oidc_provider_arn
}

output "plan_role_arn" {
  description = "Role pull-request jobs assume for `terraform plan` (read-only; set as the AWS_PLAN_ROLE_ARN repository variable)."
  value       = aws_iam_role.plan.arn
}

output "publish_role_arn" {
  description = "Role main-branch jobs assume to push the image (ECR push only; set as AWS_PUBLISH_ROLE_ARN)."
  value       = aws_iam_role.publish.arn
}

output "deploy_role_arn" {
  description = "Role the production-environment job assumes for `terraform apply` (set as AWS_DEPLOY_ROLE_ARN)."
  value       = aws_iam_role.deploy.arn
}
