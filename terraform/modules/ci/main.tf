# CI access: GitHub Actions authenticates with OIDC (no long-lived keys) into three roles, each
# limited to one job's work:
#   plan    - pull requests: read-only refresh + plan (may take the state lock, not write state).
#   publish - pushes to main: push the image to this stack's ECR repository, nothing else.
#   deploy  - the `production` environment: `terraform apply` of the service stack, limited to
#             the services it uses and, where AWS supports it, to resources named "<name>*".
# The roles are named "github-<name>-*" so that the deploy role (which manages "<name>-*" roles)
# cannot touch its own permissions.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition

  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.oidc_provider_arn

  arn_prefix = {
    ecs   = "arn:${local.partition}:ecs:${local.region}:${local.account_id}"
    elb   = "arn:${local.partition}:elasticloadbalancing:${local.region}:${local.account_id}"
    rds   = "arn:${local.partition}:rds:${local.region}:${local.account_id}"
    logs  = "arn:${local.partition}:logs:${local.region}:${local.account_id}"
    cw    = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}"
    sns   = "arn:${local.partition}:sns:${local.region}:${local.account_id}"
    ssm   = "arn:${local.partition}:ssm:${local.region}:${local.account_id}"
    evt   = "arn:${local.partition}:events:${local.region}:${local.account_id}"
    sm    = "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}"
    iam   = "arn:${local.partition}:iam::${local.account_id}"
    s3    = "arn:${local.partition}:s3:::"
    route = "arn:${local.partition}:route53:::"
  }

  # Roles the stack creates (service, flow logs, RDS monitoring, redeploy automation).
  stack_role_arns = ["${local.arn_prefix.iam}:role/${var.name}-*"]
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]

  tags = var.tags
}

# --- trust policies -----------------------------------------------------------------------------

data "aws_iam_policy_document" "trust" {
  for_each = {
    plan    = "repo:${var.github_repository}:pull_request"
    publish = "repo:${var.github_repository}:ref:refs/heads/main"
    deploy  = "repo:${var.github_repository}:environment:${var.github_environment}"
  }

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [each.value]
    }
  }
}

# --- shared pieces --------------------------------------------------------------------------------

# Read-only view of everything the stack manages (plan and apply both refresh it).
data "aws_iam_policy_document" "read" {
  #checkov:skip=CKV_AWS_356:The "*" statement holds only Describe/List/Get calls, most of which support no resource-level scoping; state access is scoped to the state keys.
  statement {
    sid = "DescribeStack"
    # Describe/List/Get calls of these services support no resource-level scoping.
    actions = [
      "acm:DescribeCertificate",
      "acm:ListCertificates",
      "acm:ListTagsForCertificate",
      "application-autoscaling:Describe*",
      "application-autoscaling:ListTagsForResource",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:GetDashboard",
      "cloudwatch:ListTagsForResource",
      "ec2:Describe*",
      "ecr:DescribeImages",
      "ecr:DescribeRepositories",
      # The aws_ecr_repository data source reads the repository's tags too.
      "ecr:ListTagsForResource",
      "ecs:Describe*",
      "ecs:List*",
      "elasticloadbalancing:Describe*",
      "events:DescribeRule",
      "events:ListTagsForResource",
      "events:ListTargetsByRule",
      "iam:GetOpenIDConnectProvider",
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListRolePolicies",
      "logs:DescribeLogGroups",
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "rds:Describe*",
      "rds:ListTagsForResource",
      "route53:GetChange",
      "route53:GetHostedZone",
      "route53:ListResourceRecordSets",
      "route53:ListTagsForResource",
      "s3:GetAccelerateConfiguration",
      "s3:GetBucket*",
      "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      "s3:ListBucket",
      "secretsmanager:DescribeSecret",
      "sns:GetSubscriptionAttributes",
      "sns:GetTopicAttributes",
      "sns:ListTagsForResource",
      "ssm:DescribeDocument",
      "ssm:DescribeDocumentPermission",
      "ssm:GetDocument",
      "ssm:ListTagsForResource",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject"]
    resources = ["${var.state_bucket_arn}/${var.state_key_prefix}*"]
  }

  statement {
    sid       = "ListState"
    actions   = ["s3:ListBucket"]
    resources = [var.state_bucket_arn]
  }

  # S3-native state locking writes and deletes "<key>.tflock" next to the state.
  statement {
    sid       = "StateLock"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.state_bucket_arn}/${var.state_key_prefix}*.tflock"]
  }
}

# --- plan role ------------------------------------------------------------------------------------

resource "aws_iam_role" "plan" {
  name                 = "github-${var.name}-plan"
  assume_role_policy   = data.aws_iam_policy_document.trust["plan"].json
  max_session_duration = 3600

  tags = var.tags
}

resource "aws_iam_role_policy" "plan" {
  name   = "read-only-plan"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.read.json
}

# --- publish role ---------------------------------------------------------------------------------

data "aws_iam_policy_document" "publish" {
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushImage"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [var.ecr_repository_arn]
  }
}

resource "aws_iam_role" "publish" {
  name                 = "github-${var.name}-publish"
  assume_role_policy   = data.aws_iam_policy_document.trust["publish"].json
  max_session_duration = 3600

  tags = var.tags
}

resource "aws_iam_role_policy" "publish" {
  name   = "push-image"
  role   = aws_iam_role.publish.id
  policy = data.aws_iam_policy_document.publish.json
}

# --- deploy role ----------------------------------------------------------------------------------

data "aws_iam_policy_document" "deploy" {
  #checkov:skip=CKV_AWS_356:The "*" statements are APIs without resource-level permissions on create (EC2/VPC, RegisterTaskDefinition, ACM RequestCertificate, Application Auto Scaling) or on a zone the account does not own (the AWS-managed private DNS zone of an interface endpoint); EC2 and ACM are pinned to the stack's region.
  #checkov:skip=CKV_AWS_111:Same statements: write APIs that cannot be scoped by ARN. Everything scopable is limited to "<name>*" resources, PassRole to "<name>-*" roles and named services.
  statement {
    sid       = "WriteState"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.state_bucket_arn}/${var.state_key_prefix}*"]
  }

  # EC2/VPC APIs mostly lack resource-level scoping on create; restrict them to the stack's region.
  statement {
    sid = "Network"
    actions = [
      "ec2:AllocateAddress",
      "ec2:AssociateRouteTable",
      "ec2:AttachInternetGateway",
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateFlowLogs",
      "ec2:CreateInternetGateway",
      "ec2:CreateNatGateway",
      "ec2:CreateRoute",
      "ec2:CreateRouteTable",
      "ec2:CreateSecurityGroup",
      "ec2:CreateSubnet",
      "ec2:CreateTags",
      "ec2:CreateVpc",
      "ec2:CreateVpcEndpoint",
      "ec2:DeleteFlowLogs",
      "ec2:DeleteInternetGateway",
      "ec2:DeleteNatGateway",
      "ec2:DeleteRoute",
      "ec2:DeleteRouteTable",
      "ec2:DeleteSecurityGroup",
      "ec2:DeleteSubnet",
      "ec2:DeleteTags",
      "ec2:DeleteVpc",
      "ec2:DeleteVpcEndpoints",
      "ec2:DetachInternetGateway",
      "ec2:DisassociateAddress",
      "ec2:DisassociateRouteTable",
      "ec2:ModifySecurityGroupRules",
      "ec2:ModifySubnetAttribute",
      "ec2:ModifyVpcAttribute",
      "ec2:ModifyVpcEndpoint",
      "ec2:ReleaseAddress",
      "ec2:ReplaceRoute",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
      "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
      "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }

  # Interface endpoints with private DNS associate the VPC with an AWS-managed private hosted
  # zone, which needs this permission on the caller; Route 53 is global, so no region condition.
  statement {
    sid       = "EndpointPrivateDns"
    actions   = ["route53:AssociateVPCWithHostedZone"]
    resources = ["*"]
  }

  statement {
    sid     = "LoadBalancer"
    actions = ["elasticloadbalancing:*"]
    resources = [
      "${local.arn_prefix.elb}:loadbalancer/app/${var.name}/*",
      "${local.arn_prefix.elb}:listener/app/${var.name}/*",
      "${local.arn_prefix.elb}:listener-rule/app/${var.name}/*",
      "${local.arn_prefix.elb}:targetgroup/${var.name}-*/*",
    ]
  }

  statement {
    sid = "Ecs"
    actions = [
      "ecs:CreateCluster",
      "ecs:CreateService",
      "ecs:DeleteCluster",
      "ecs:DeleteService",
      "ecs:PutClusterCapacityProviders",
      "ecs:TagResource",
      "ecs:UntagResource",
      "ecs:UpdateCluster",
      "ecs:UpdateClusterSettings",
      "ecs:UpdateService",
      # A cancelled apply stops the blue/green deployment (sigint_rollback), which rolls it back.
      "ecs:StopServiceDeployment",
    ]
    resources = [
      "${local.arn_prefix.ecs}:cluster/${var.name}",
      "${local.arn_prefix.ecs}:service/${var.name}/*",
      "${local.arn_prefix.ecs}:service-deployment/${var.name}/*",
      "${local.arn_prefix.ecs}:task-definition/${var.name}:*",
    ]
  }

  statement {
    sid = "EcsTaskDefinitions"
    # Task definition registration supports no resource-level permissions.
    actions   = ["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition"]
    resources = ["*"]
  }

  statement {
    sid     = "Database"
    actions = ["rds:*"]
    resources = [
      "${local.arn_prefix.rds}:db:${var.name}",
      "${local.arn_prefix.rds}:subgrp:${var.name}-*",
      "${local.arn_prefix.rds}:pg:${var.name}-*",
      "${local.arn_prefix.rds}:snapshot:${var.name}-final",
      # CreateDBInstance also authorizes against the engine's default option group.
      "${local.arn_prefix.rds}:og:default:postgres-*",
    ]
  }

  # RDS creates the managed master-user secret (named rds!db-...) as the caller.
  statement {
    sid = "ManagedDatabaseSecret"
    actions = [
      "secretsmanager:CreateSecret",
      "secretsmanager:RotateSecret",
      "secretsmanager:TagResource",
    ]
    resources = ["${local.arn_prefix.sm}:secret:rds!*"]
  }

  statement {
    sid = "StackRoles"
    actions = [
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:DeleteRolePolicy",
      "iam:PutRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:DetachRolePolicy",
      "iam:ListInstanceProfilesForRole",
    ]
    resources = local.stack_role_arns
  }

  # Only the two AWS managed policies the stack uses may be attached.
  statement {
    sid       = "AttachKnownManagedPolicies"
    actions   = ["iam:AttachRolePolicy"]
    resources = local.stack_role_arns

    condition {
      test     = "ArnEquals"
      variable = "iam:PolicyARN"
      values = [
        "arn:${local.partition}:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
        "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
      ]
    }
  }

  statement {
    sid       = "PassStackRoles"
    actions   = ["iam:PassRole"]
    resources = local.stack_role_arns

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values = [
        "ecs-tasks.amazonaws.com",
        "ecs.amazonaws.com",
        "events.amazonaws.com",
        "monitoring.rds.amazonaws.com",
        "ssm.amazonaws.com",
        "vpc-flow-logs.amazonaws.com",
      ]
    }
  }

  statement {
    sid       = "ServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["${local.arn_prefix.iam}:role/aws-service-role/*"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values = [
        "ecs.amazonaws.com",
        "ecs.application-autoscaling.amazonaws.com",
        "elasticloadbalancing.amazonaws.com",
        "rds.amazonaws.com",
      ]
    }
  }

  statement {
    sid     = "Logs"
    actions = ["logs:*"]
    resources = [
      "${local.arn_prefix.logs}:log-group:/ecs/${var.name}/*",
      "${local.arn_prefix.logs}:log-group:/vpc/${var.name}/*",
      "${local.arn_prefix.logs}:log-group:/aws/rds/instance/${var.name}/*",
    ]
  }

  statement {
    sid = "AlarmsAndDashboard"
    actions = [
      "cloudwatch:DeleteAlarms",
      "cloudwatch:DeleteDashboards",
      "cloudwatch:PutDashboard",
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:TagResource",
      "cloudwatch:UntagResource",
    ]
    resources = [
      "${local.arn_prefix.cw}:alarm:${var.name}-*",
      "arn:${local.partition}:cloudwatch::${local.account_id}:dashboard/${var.name}",
    ]
  }

  statement {
    sid = "TargetTrackingAlarms"
    # PutScalingPolicy (target tracking) creates and deletes its alarms as the caller.
    actions = [
      "cloudwatch:DeleteAlarms",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:PutMetricAlarm",
    ]
    resources = ["${local.arn_prefix.cw}:alarm:TargetTracking-service/${var.name}/*"]
  }

  statement {
    sid       = "AlarmTopic"
    actions   = ["sns:*"]
    resources = ["${local.arn_prefix.sns}:${var.name}-*"]
  }

  statement {
    sid     = "AccessLogBucket"
    actions = ["s3:*"]
    resources = [
      "${local.arn_prefix.s3}${var.name}-alb-logs-*",
      "${local.arn_prefix.s3}${var.name}-alb-logs-*/*",
    ]
  }

  statement {
    sid = "Certificate"
    # RequestCertificate has no resource ARN before the certificate exists.
    actions = [
      "acm:AddTagsToCertificate",
      "acm:DeleteCertificate",
      "acm:RequestCertificate",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }

  statement {
    sid       = "DnsRecords"
    actions   = ["route53:ChangeResourceRecordSets"]
    resources = ["${local.arn_prefix.route}hostedzone/*"]
  }

  statement {
    sid = "RedeployRunbook"
    actions = [
      "ssm:AddTagsToResource",
      "ssm:CreateDocument",
      "ssm:DeleteDocument",
      "ssm:RemoveTagsFromResource",
      "ssm:UpdateDocument",
      "ssm:UpdateDocumentDefaultVersion",
    ]
    resources = ["${local.arn_prefix.ssm}:document/${var.name}-*"]
  }

  statement {
    sid       = "RotationRule"
    actions   = ["events:DeleteRule", "events:PutRule", "events:PutTargets", "events:RemoveTargets", "events:TagResource", "events:UntagResource"]
    resources = ["${local.arn_prefix.evt}:rule/${var.name}-*"]
  }

  statement {
    sid = "Autoscaling"
    # Application Auto Scaling supports no resource-level scoping for these actions.
    actions = [
      "application-autoscaling:DeleteScalingPolicy",
      "application-autoscaling:DeregisterScalableTarget",
      "application-autoscaling:PutScalingPolicy",
      "application-autoscaling:RegisterScalableTarget",
      "application-autoscaling:TagResource",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "github-${var.name}-deploy"
  assume_role_policy   = data.aws_iam_policy_document.trust["deploy"].json
  max_session_duration = 7200

  tags = var.tags
}

resource "aws_iam_role_policy" "deploy_read" {
  name   = "read-stack"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.read.json
}

resource "aws_iam_role_policy" "deploy" {
  name   = "apply-stack"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}
