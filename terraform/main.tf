# products-api on ECS Fargate: the root configuration composing the modules.
#
#   network  -> VPC, subnets, NAT, VPC endpoints
#   edge     -> ALB, blue/green target groups, listeners, production rule, access logs
#   database -> RDS PostgreSQL with an RDS-managed master secret
#   service  -> ECS cluster, task (app + ADOT sidecar), blue/green service, autoscaling
#   observability -> alarms (two of them gate deployments) and the dashboard
#
# The registry and the CI roles live in bootstrap/ (they must exist before the first pipeline run).

data "aws_ecr_repository" "app" {
  name = var.ecr_repository_name
}

locals {
  # Value of the Service dimension on app metrics and of OTEL_SERVICE_NAME.
  service_dimension = "products-api"

  # RDS PostgreSQL allows LEAST(DBInstanceClassMemory / 9531392, 5000) connections by default;
  # DBInstanceClassMemory is the class's memory less what RDS keeps for itself (counted as 20 %).
  db_memory_gib = {
    "db.t4g.micro"  = 1
    "db.t4g.small"  = 2
    "db.t4g.medium" = 4
    "db.t4g.large"  = 8
    "db.m7g.large"  = 8
    "db.r7g.large"  = 16
  }
  db_connection_budget = try(floor(0.8 * local.db_memory_gib[var.db_instance_class] * 1073741824 / 9531392), null)
  # Blue and green tasks both hold their pools while traffic shifts and during the bake time.
  peak_db_connections = 2 * var.max_capacity * var.db_max_connections
}

# A warning on every plan: at full scale during a deployment the pools would ask for more
# connections than the database allows, and the refused ones would answer 503 (and trip the
# 5xx alarm, rolling the release back).
check "database_allows_every_pool" {
  assert {
    condition     = local.db_connection_budget == null || local.peak_db_connections <= local.db_connection_budget
    error_message = "2 x max_capacity x db_max_connections = ${local.peak_db_connections} connections at the peak of a deployment, more than ${var.db_instance_class} allows (about ${coalesce(local.db_connection_budget, 0)}): lower db_max_connections or max_capacity, or choose a larger db_instance_class."
  }
}

module "network" {
  source = "./modules/network"

  name                       = var.name
  cidr                       = var.vpc_cidr
  az_count                   = var.az_count
  single_nat_gateway         = var.single_nat_gateway
  enable_interface_endpoints = var.enable_interface_endpoints
}

# A warning on every plan, not an error: a sandbox may run as "production" without a domain,
# but then the load balancer serves plain HTTP.
check "production_serves_https" {
  assert {
    condition     = var.environment != "production" || var.domain_name != ""
    error_message = "environment is production but domain_name is empty: the load balancer serves plain HTTP. Set domain_name and route53_zone_id (production.tfvars)."
  }
}

module "edge" {
  source = "./modules/edge"

  name                = var.name
  vpc_id              = module.network.vpc_id
  vpc_cidr            = module.network.vpc_cidr
  public_subnet_ids   = module.network.public_subnet_ids
  target_port         = 8080
  health_check_path   = "/healthz"
  domain_name         = var.domain_name
  route53_zone_id     = var.route53_zone_id
  deletion_protection = var.db_deletion_protection
}

module "database" {
  source = "./modules/database"

  name                      = var.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.database_subnet_ids
  client_security_group_ids = [module.service.security_group_id]
  instance_class            = var.db_instance_class
  multi_az                  = var.db_multi_az
  deletion_protection       = var.db_deletion_protection
}

module "observability" {
  source = "./modules/observability"

  name                      = var.name
  dashboard_template_path   = "${path.root}/../dashboards/products-api.json"
  metrics_namespace         = var.metrics_namespace
  service_dimension         = local.service_dimension
  alb_arn_suffix            = module.edge.arn_suffix
  target_group_arn_suffixes = module.edge.target_group_arn_suffixes
  cluster_name              = var.name
  ecs_service_name          = var.name
  db_instance_identifier    = module.database.identifier
  app_log_group_name        = "/ecs/${var.name}/app"
  alarm_email               = var.alarm_email
}

module "service" {
  source = "./modules/service"

  name        = var.name
  environment = var.environment

  vpc_id             = module.network.vpc_id
  vpc_cidr           = module.network.vpc_cidr
  private_subnet_ids = module.network.private_subnet_ids

  alb_security_group_id        = module.edge.security_group_id
  blue_target_group_arn        = module.edge.blue_target_group_arn
  green_target_group_arn       = module.edge.green_target_group_arn
  production_listener_rule_arn = module.edge.production_listener_rule_arn
  alb_arn_suffix               = module.edge.arn_suffix
  target_group_arn_suffixes    = module.edge.target_group_arn_suffixes

  image_repository_url = data.aws_ecr_repository.app.repository_url
  image_repository_arn = data.aws_ecr_repository.app.arn
  image_digest         = var.image_digest
  app_version          = var.app_version
  app_port             = 8080
  metrics_port         = 9090

  db_host              = module.database.address
  db_port              = module.database.port
  db_name              = module.database.database_name
  db_secret_arn        = module.database.master_user_secret_arn
  db_security_group_id = module.database.security_group_id

  shutdown_grace_seconds = 25
  stop_timeout           = 40
  db_max_connections     = var.db_max_connections

  min_capacity           = var.min_capacity
  max_capacity           = var.max_capacity
  bake_time_minutes      = var.bake_time_minutes
  deployment_alarm_names = module.observability.deployment_alarm_names

  metrics_namespace  = var.metrics_namespace
  service_dimension  = local.service_dimension
  log_retention_days = var.log_retention_days
}
