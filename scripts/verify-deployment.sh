#!/usr/bin/env bash
# After `terraform apply`: check that the service's newest deployment SUCCEEDED (not rolled
# back) and that every running task's app container runs exactly the digest CI pushed.
# Usage: scripts/verify-deployment.sh CLUSTER SERVICE sha256:DIGEST   (needs the AWS CLI)
set -euo pipefail

cluster="${1:?cluster}"
service="${2:?service}"
digest="${3:?image digest}"

latest="$(aws ecs list-service-deployments --cluster "$cluster" --service "$service" \
  --max-results 20 --query 'sort_by(serviceDeployments, &createdAt)[-1].serviceDeploymentArn' --output text)"
[[ "$latest" == arn:* ]] || { echo "no service deployment found for $cluster/$service" >&2; exit 1; }

status="$(aws ecs describe-service-deployments --service-deployment-arns "$latest" \
  --query 'serviceDeployments[0].status' --output text)"
echo "latest deployment $latest: $status"
if [[ "$status" != "SUCCESSFUL" ]]; then
  aws ecs describe-service-deployments --service-deployment-arns "$latest" \
    --query 'serviceDeployments[0].{status:status,reason:statusReason,rollback:rollback}' >&2
  exit 1
fi

mapfile -t tasks < <(aws ecs list-tasks --cluster "$cluster" --service-name "$service" \
  --desired-status RUNNING --query 'taskArns[]' --output text | tr '\t' '\n' | sed '/^$/d')
(( ${#tasks[@]} > 0 )) || { echo "no running tasks" >&2; exit 1; }

mapfile -t running < <(aws ecs describe-tasks --cluster "$cluster" --tasks "${tasks[@]}" \
  --query "tasks[].containers[?name=='app'].imageDigest[]" --output text | tr '\t' '\n' | sed '/^$/d')
for d in "${running[@]}"; do
  if [[ "$d" != "$digest" ]]; then
    echo "a running task has image digest $d, expected $digest" >&2
    exit 1
  fi
done
echo "${#running[@]} running task(s) on $digest"
