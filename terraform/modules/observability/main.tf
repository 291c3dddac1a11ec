# Observability: the CloudWatch dashboard (rendered from dashboards/), the alarms, and the
# optional SNS notification target.
#
# Latency alarms use the ALB's TargetResponseTime percentiles: the app's Prometheus histograms
# reach CloudWatch without buckets (count/sum only), so they cannot give a p99.

data "aws_region" "current" {}

locals {
  create_topic  = var.alarm_email != "" && var.alarm_sns_topic_arn == ""
  alarm_actions = var.alarm_sns_topic_arn != "" ? [var.alarm_sns_topic_arn] : (local.create_topic ? [aws_sns_topic.alarms[0].arn] : [])
}

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed aws/sns key, and the messages carry alarm metadata only.
  count = local.create_topic ? 1 : 0

  name = "${var.name}-alarms"

  tags = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  count = local.create_topic ? 1 : 0

  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# --- deployment alarms (ECS rolls a blue/green deployment back when one fires) ----------------

resource "aws_cloudwatch_metric_alarm" "error_rate" {
  alarm_name          = "${var.name}-5xx-rate"
  alarm_description   = "More than ${var.error_rate_threshold_percent}% of ALB requests answered 5xx (target or load balancer). Fails and rolls back a running deployment."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_threshold_percent
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "IF(req > 0, 100 * (FILL(t5xx, 0) + FILL(e5xx, 0)) / req, 0)"
    label       = "5xx percent"
    return_data = true
  }

  metric_query {
    id = "t5xx"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "e5xx"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "req"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
      period      = 60
      stat        = "Sum"
    }
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "p99_latency" {
  alarm_name          = "${var.name}-p99-latency"
  alarm_description   = "p99 of the ALB target response time above ${var.p99_latency_threshold_seconds}s. Fails and rolls back a running deployment."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = { LoadBalancer = var.alb_arn_suffix }
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.p99_latency_threshold_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = var.tags
}

# --- operational alarms -----------------------------------------------------------------------

# The active target group alternates with every deployment: watch the worse of the two.
resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  alarm_name          = "${var.name}-unhealthy-hosts"
  alarm_description   = "At least one target failed the /healthz check for 3 minutes (either target group)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "worst"
    expression  = "MAX([FILL(blue, 0), FILL(green, 0)])"
    label       = "unhealthy targets (worst target group)"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = var.target_group_arn_suffixes

    content {
      id = metric_query.key

      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = "UnHealthyHostCount"
        dimensions  = { LoadBalancer = var.alb_arn_suffix, TargetGroup = metric_query.value }
        period      = 60
        stat        = "Maximum"
      }
    }
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "rds_cpu" {
  alarm_name          = "${var.name}-rds-cpu"
  alarm_description   = "RDS CPU above ${var.rds_cpu_threshold_percent}% for 10 minutes."
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = var.db_instance_identifier }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.rds_cpu_threshold_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "rds_connections" {
  alarm_name          = "${var.name}-rds-connections"
  alarm_description   = "More than ${var.rds_connections_threshold} database connections (pool size x tasks is approaching the instance's limit)."
  namespace           = "AWS/RDS"
  metric_name         = "DatabaseConnections"
  dimensions          = { DBInstanceIdentifier = var.db_instance_identifier }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.rds_connections_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "rejected_adjustments" {
  alarm_name          = "${var.name}-rejected-adjustments"
  alarm_description   = "More than ${var.rejected_adjustments_threshold} inventory adjustments rejected (result out of range) in 5 minutes: a client is over-drawing stock."
  namespace           = var.metrics_namespace
  metric_name         = "inventory_adjustments_total"
  dimensions          = { Service = var.service_dimension, result = "rejected" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.rejected_adjustments_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = var.tags
}

# A silent collector (bad config, crash loop, IAM) would blank the app metrics and every alarm
# built on them; this one fires when the always-present in-flight gauge stops arriving.
resource "aws_cloudwatch_metric_alarm" "telemetry_missing" {
  alarm_name          = "${var.name}-app-metrics-missing"
  alarm_description   = "No app metrics (EMF) for 10 minutes: the ADOT sidecar is not delivering."
  namespace           = var.metrics_namespace
  metric_name         = "http_server_requests_in_flight"
  dimensions          = { Service = var.service_dimension }
  statistic           = "SampleCount"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = var.tags
}

# --- dashboard --------------------------------------------------------------------------------

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name

  dashboard_body = templatefile(var.dashboard_template_path, {
    region                    = data.aws_region.current.region
    namespace                 = var.metrics_namespace
    service                   = var.service_dimension
    alb                       = var.alb_arn_suffix
    tg_blue                   = var.target_group_arn_suffixes["blue"]
    tg_green                  = var.target_group_arn_suffixes["green"]
    cluster                   = var.cluster_name
    ecs_service               = var.ecs_service_name
    db_instance               = var.db_instance_identifier
    app_log_group             = var.app_log_group_name
    alarm_5xx_arn             = aws_cloudwatch_metric_alarm.error_rate.arn
    alarm_p99_arn             = aws_cloudwatch_metric_alarm.p99_latency.arn
    alarm_unhealthy_arn       = aws_cloudwatch_metric_alarm.unhealthy_hosts.arn
    alarm_rejected_arn        = aws_cloudwatch_metric_alarm.rejected_adjustments.arn
    alarm_rds_cpu_arn         = aws_cloudwatch_metric_alarm.rds_cpu.arn
    alarm_rds_connections_arn = aws_cloudwatch_metric_alarm.rds_connections.arn
    alarm_telemetry_arn       = aws_cloudwatch_metric_alarm.telemetry_missing.arn
  })
}
