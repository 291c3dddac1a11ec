terraform {
  # 1.11: S3-native state locking (use_lockfile) is GA.
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    aws = {
      # 6.x: native ECS blue/green (deployment_configuration, advanced_configuration, >= 6.5
      # for the stabilization fix, sigint_rollback >= 6.11) and data.aws_region.region.
      source  = "hashicorp/aws"
      version = "~> 6.27"
    }
  }

  # Partial configuration: bucket and region come from `-backend-config` (see docs/deploy.md);
  # the key must start with the bootstrap's state_key_prefix.
  backend "s3" {
    key          = "products-api/production.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = var.name
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
