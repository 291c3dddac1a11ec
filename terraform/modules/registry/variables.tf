variable "name" {
  description = "Name of the ECR repository."
  type        = string
}

variable "keep_images" {
  description = "Number of most recent images kept (releases available for rollback and for blue/green); older ones expire."
  type        = number
  default     = 30
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images (interrupted pushes, manifest leftovers) expire."
  type        = number
  default     = 7
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
