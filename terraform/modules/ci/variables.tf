variable "name" {
  description = "Stack name; the deploy role may manage only resources whose names start with it."
  type        = string
}

variable "github_repository" {
  description = "GitHub repository allowed to assume the CI roles, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "github_environment" {
  description = "GitHub environment whose jobs may assume the deploy role (protect it with required reviewers or branch rules)."
  type        = string
  default     = "production"
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (there can be only one per account; set false and pass oidc_provider_arn if it exists)."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "ARN of an existing token.actions.githubusercontent.com OIDC provider (when create_oidc_provider is false)."
  type        = string
  default     = ""
}

variable "state_bucket_arn" {
  description = "ARN of the S3 bucket holding the Terraform state."
  type        = string
}

variable "state_key_prefix" {
  description = "Key prefix of this stack's state objects in the state bucket (state and .tflock)."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ECR repository CI publishes the image to."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
