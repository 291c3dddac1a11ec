# Secret rotation -> redeploy.
#
# ECS injects PGPASSWORD once, at container start; after RDS rotates the managed secret, running
# tasks still hold the old password and their *new* pool connections would fail. So every
# successful rotation of that secret starts a new deployment of the service (same task
# definition, fresh tasks that read the new password), through the same guarded blue/green
# rollout as a release. No code runs for this: EventBridge starts an SSM Automation runbook whose
# only step is ecs:UpdateService(forceNewDeployment).

resource "aws_ssm_document" "redeploy" {
  count = var.redeploy_on_secret_rotation ? 1 : 0

  name            = "${var.name}-redeploy"
  document_type   = "Automation"
  document_format = "YAML"

  content = yamlencode({
    schemaVersion = "0.3"
    description   = "Force a new deployment of an ECS service (after its database secret rotated)."
    assumeRole    = "{{ AutomationAssumeRole }}"
    parameters = {
      AutomationAssumeRole = { type = "String", description = "Role the runbook runs as." }
      Cluster              = { type = "String", description = "ECS cluster name." }
      Service              = { type = "String", description = "ECS service name." }
    }
    mainSteps = [
      {
        name   = "ForceNewDeployment"
        action = "aws:executeAwsApi"
        inputs = {
          Service            = "ecs"
          Api                = "UpdateService"
          cluster            = "{{ Cluster }}"
          service            = "{{ Service }}"
          forceNewDeployment = true
        }
      },
    ]
  })

  tags = var.tags
}

data "aws_iam_policy_document" "ssm_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ssm.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "redeploy_automation" {
  count = var.redeploy_on_secret_rotation ? 1 : 0

  name               = "${var.name}-redeploy-automation"
  assume_role_policy = data.aws_iam_policy_document.ssm_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "redeploy_automation" {
  statement {
    actions   = ["ecs:UpdateService", "ecs:DescribeServices"]
    resources = [aws_ecs_service.this.id]
  }
}

resource "aws_iam_role_policy" "redeploy_automation" {
  count = var.redeploy_on_secret_rotation ? 1 : 0

  name   = "force-new-deployment"
  role   = aws_iam_role.redeploy_automation[0].id
  policy = data.aws_iam_policy_document.redeploy_automation.json
}

data "aws_iam_policy_document" "events_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "redeploy_events" {
  count = var.redeploy_on_secret_rotation ? 1 : 0

  name               = "${var.name}-redeploy-events"
  assume_role_policy = data.aws_iam_policy_document.events_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "redeploy_events" {
  count = var.redeploy_on_secret_rotation ? 1 : 0

  statement {
    actions   = ["ssm:StartAutomationExecution"]
    resources = ["arn:aws:ssm:${local.region}:${local.account_id}:automation-definition/${aws_ssm_document.redeploy[0].name}:*"]
  }

  statement {
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.redeploy_automation[0].arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ssm.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "redeploy_events" {
  count = var.redeploy_on_secret_rotation ? 1 : 0

  name   = "start-redeploy"
  role   = aws_iam_role.redeploy_events[0].id
  policy = data.aws_iam_policy_document.redeploy_events[0].json
}

resource "aws_cloudwatch_event_rule" "secret_rotated" {
  count = var.redeploy_on_secret_rotation ? 1 : 0

  name        = "${var.name}-db-secret-rotated"
  description = "The RDS-managed database secret of ${var.name} rotated successfully"

  event_pattern = jsonencode({
    source        = ["aws.secretsmanager"]
    "detail-type" = ["AWS Service Event via CloudTrail"]
    detail = {
      eventSource = ["secretsmanager.amazonaws.com"]
      eventName   = ["RotationSucceeded"]
      additionalEventData = {
        SecretId = [var.db_secret_arn]
      }
    }
  })

  tags = var.tags
}

resource "aws_cloudwatch_event_target" "redeploy" {
  count = var.redeploy_on_secret_rotation ? 1 : 0

  rule     = aws_cloudwatch_event_rule.secret_rotated[0].name
  arn      = "arn:aws:ssm:${local.region}:${local.account_id}:automation-definition/${aws_ssm_document.redeploy[0].name}:$DEFAULT"
  role_arn = aws_iam_role.redeploy_events[0].arn

  input = jsonencode({
    AutomationAssumeRole = [aws_iam_role.redeploy_automation[0].arn]
    Cluster              = [aws_ecs_cluster.this.name]
    Service              = [aws_ecs_service.this.name]
  })
}
