# Service: the ECS cluster, the Fargate task (app + ADOT collector sidecar) and the ECS service
# with its native blue/green rollout.
#
# One request's path through what this module builds: ALB production rule -> target group
# (blue or green) -> task ENI:app_port -> `app` container. In the same task, the `otel-collector`
# sidecar scrapes 127.0.0.1:metrics_port/metrics (EMF -> CloudWatch metrics) and receives the
# app's spans over OTLP/HTTP on 127.0.0.1:4318 (-> X-Ray).

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id

  app_container_name       = "app"
  collector_container_name = "otel-collector"

  # OTLP, health-check ports of the collector; all bound to 127.0.0.1 inside the task.
  otlp_grpc_port    = 4317
  otlp_http_port    = 4318
  health_check_port = 13133

  log_group_names = {
    app       = "/ecs/${var.name}/app"
    collector = "/ecs/${var.name}/otel-collector"
    emf       = "/ecs/${var.name}/emf"
  }

  # Exactly the reference CI pushed: repository@sha256:...
  image = "${var.image_repository_url}@${var.image_digest}"

  collector_template_vars = {
    region            = local.region
    namespace         = var.metrics_namespace
    emf_log_group     = local.log_group_names.emf
    service_dimension = var.service_dimension
    metrics_port      = var.metrics_port
    metrics_path      = var.metrics_path
    otlp_grpc_port    = local.otlp_grpc_port
    otlp_http_port    = local.otlp_http_port
    health_check_port = local.health_check_port
    scrape_interval   = "30s"
  }

  collector_config = templatefile("${path.module}/templates/otel-collector.yaml.tftpl", local.collector_template_vars)

  app_container = {
    name                   = local.app_container_name
    image                  = local.image
    essential              = true
    readonlyRootFilesystem = true
    user                   = "65532:65532"
    # Above SHUTDOWN_GRACE_SECONDS, so the app always finishes draining before SIGKILL.
    stopTimeout = var.stop_timeout

    portMappings = [
      {
        name          = "http"
        containerPort = var.app_port
        protocol      = "tcp"
        appProtocol   = "http"
      },
    ]

    # Nothing secret here: the password arrives through `secrets` below.
    environment = [
      { name = "LISTEN_ADDR", value = "0.0.0.0:${var.app_port}" },
      { name = "METRICS_ADDR", value = "127.0.0.1:${var.metrics_port}" },
      { name = "PGHOST", value = var.db_host },
      { name = "PGPORT", value = tostring(var.db_port) },
      { name = "PGDATABASE", value = var.db_name },
      { name = "PGSSLMODE", value = "require" },
      { name = "DB_MAX_CONNECTIONS", value = tostring(var.db_max_connections) },
      { name = "MIGRATE_ON_START", value = "true" },
      { name = "LOG_FORMAT", value = "json" },
      { name = "RUST_LOG", value = var.rust_log },
      { name = "SHUTDOWN_GRACE_SECONDS", value = tostring(var.shutdown_grace_seconds) },
      # HTTP/protobuf rather than gRPC: fewer instructions per span in the app and in the
      # collector, which share the task's vCPUs (docs/performance.md, telemetry on/off).
      { name = "OTEL_EXPORTER_OTLP_ENDPOINT", value = "http://127.0.0.1:${local.otlp_http_port}" },
      { name = "OTEL_EXPORTER_OTLP_PROTOCOL", value = "http/protobuf" },
      { name = "OTEL_SERVICE_NAME", value = var.service_dimension },
      { name = "OTEL_RESOURCE_ATTRIBUTES", value = "service.version=${var.app_version},deployment.environment.name=${var.environment}" },
      { name = "OTEL_TRACES_SAMPLER", value = "parentbased_traceidratio" },
      { name = "OTEL_TRACES_SAMPLER_ARG", value = var.trace_sample_ratio },
    ]

    # Injected by ECS at container start from the RDS-managed secret (JSON keys).
    secrets = [
      { name = "PGUSER", valueFrom = "${var.db_secret_arn}:username::" },
      { name = "PGPASSWORD", valueFrom = "${var.db_secret_arn}:password::" },
    ]

    # ECS ignores the image's HEALTHCHECK; this is the one that counts. The binary probes
    # http://127.0.0.1:<LISTEN_ADDR port>/healthz (no shell or curl in the image).
    healthCheck = {
      command     = ["CMD", "/usr/local/bin/products-api", "healthcheck"]
      interval    = 10
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }

    dependsOn = [
      { containerName = local.collector_container_name, condition = "START" },
    ]

    mountPoints = [
      { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
    ]

    ulimits = [
      { name = "nofile", softLimit = 65536, hardLimit = 65536 },
    ]

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = local.log_group_names.app
        awslogs-region        = local.region
        awslogs-stream-prefix = "app"
        mode                  = "non-blocking"
        max-buffer-size       = "25m"
      }
    }
  }

  collector_container = {
    name                   = local.collector_container_name
    image                  = var.adot_image
    essential              = true
    readonlyRootFilesystem = true
    user                   = "4317:4317"
    cpu                    = var.collector_cpu
    memory                 = var.collector_memory
    stopTimeout            = 10

    environment = [
      # The whole collector config, versioned with this task definition revision.
      { name = "AOT_CONFIG_CONTENT", value = local.collector_config },
      { name = "GOMEMLIMIT", value = "${floor(var.collector_memory * 0.8)}MiB" },
    ]

    # The image is FROM scratch: its bundled /healthcheck probes the health_check extension.
    healthCheck = {
      command     = ["CMD", "/healthcheck"]
      interval    = 10
      timeout     = 5
      retries     = 3
      startPeriod = 10
    }

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = local.log_group_names.collector
        awslogs-region        = local.region
        awslogs-stream-prefix = "otel"
        mode                  = "non-blocking"
        max-buffer-size       = "4m"
      }
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Cluster and logs
# ---------------------------------------------------------------------------------------------

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enhanced"
  }

  tags = var.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest with AWS-owned keys; the app never logs secrets (contract section 6), so no CMK is required.
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 30 days) chosen for cost; raise log_retention_days where policy requires a year.
  for_each = local.log_group_names

  name              = each.value
  retention_in_days = var.log_retention_days

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------
# Task definition
# ---------------------------------------------------------------------------------------------

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # Writable scratch space for the read-only root filesystem.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([local.app_container, local.collector_container])

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------
# Network access of the tasks
# ---------------------------------------------------------------------------------------------

resource "aws_security_group" "tasks" {
  name_prefix = "${var.name}-tasks-"
  description = "ECS tasks of ${var.name}: API port from the ALB only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-tasks" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "API port from the load balancer (the metrics port is never opened)"
  referenced_security_group_id = var.alb_security_group_id
  from_port                    = var.app_port
  to_port                      = var.app_port
  ip_protocol                  = "tcp"
}

resource "aws_vpc_security_group_egress_rule" "tasks_https" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to AWS APIs (VPC endpoints, X-Ray, CloudWatch) and the public ECR gallery via NAT"
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
}

resource "aws_vpc_security_group_egress_rule" "tasks_database" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "PostgreSQL"
  referenced_security_group_id = var.db_security_group_id
  from_port                    = var.db_port
  to_port                      = var.db_port
  ip_protocol                  = "tcp"
}

# ---------------------------------------------------------------------------------------------
# Service
# ---------------------------------------------------------------------------------------------

resource "aws_ecs_service" "this" {
  name                    = var.name
  cluster                 = aws_ecs_cluster.this.arn
  task_definition         = aws_ecs_task_definition.this.arn
  desired_count           = var.min_capacity
  launch_type             = "FARGATE"
  platform_version        = "LATEST"
  propagate_tags          = "SERVICE"
  enable_ecs_managed_tags = true
  enable_execute_command  = false

  health_check_grace_period_seconds  = var.health_check_grace_period_seconds
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_controller {
    type = "ECS"
  }

  # Native ECS blue/green: start the new revision next to the old one in the alternate target
  # group, shift the production rule to it, keep the old revision for the bake time, then stop it.
  deployment_configuration {
    strategy             = "BLUE_GREEN"
    bake_time_in_minutes = var.bake_time_minutes
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  alarms {
    enable      = true
    rollback    = true
    alarm_names = var.deployment_alarm_names
  }

  load_balancer {
    target_group_arn = var.blue_target_group_arn
    container_name   = local.app_container_name
    container_port   = var.app_port

    advanced_configuration {
      alternate_target_group_arn = var.green_target_group_arn
      production_listener_rule   = var.production_listener_rule_arn
      role_arn                   = aws_iam_role.infrastructure.arn
    }
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  # `terraform apply` returns only when the deployment finished, bake time included, and fails
  # when ECS rolled it back. Cancelling the CI job (SIGINT) rolls the deployment back.
  wait_for_steady_state = true
  sigint_rollback       = true

  timeouts {
    create = "40m"
    update = "60m"
  }

  tags = var.tags

  lifecycle {
    ignore_changes = [
      # Owned by application autoscaling.
      desired_count,
      # After each blue/green deployment ECS reports the *other* target group as primary;
      # re-sending the configured one would fight it (hashicorp/terraform-provider-aws#45678).
      load_balancer,
    ]
  }

  depends_on = [
    aws_iam_role_policy_attachment.infrastructure,
    aws_iam_role_policy.execution,
  ]
}
