variable "region" {
  description = "AWS region of the state bucket, registry and stack."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Stack name (prefix of the state bucket and the CI roles; must match the service stack's name)."
  type        = string
  default     = "products-api"
}

variable "ecr_repository_name" {
  description = "Name of the ECR repository CI pushes to and the service stack deploys from."
  type        = string
  default     = "products-api"
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the CI roles."
  type        = string
}

variable "github_environment" {
  description = "GitHub environment allowed to deploy."
  type        = string
  default     = "production"
}

variable "create_oidc_provider" {
  description = "Create the GitHub OIDC provider (false if the account already has one)."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "Existing GitHub OIDC provider ARN (when create_oidc_provider is false)."
  type        = string
  default     = ""
}

variable "state_key_prefix" {
  description = "Key prefix of the service stack's state in the bucket (the backend key must start with it)."
  type        = string
  default     = "products-api/"
}
