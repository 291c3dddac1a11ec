"""The pipeline pushes the image Terraform deploys, with the roles and steps the issue asks for."""

import re

from conftest import Module, TF


def steps(job):
    return job.get("steps", [])


def runs(job) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def uses(job) -> list[str]:
    return [s["uses"] for s in steps(job) if "uses" in s]


def test_image_pushed_is_image_deployed(workflows, root):
    deploy = workflows["deploy.yml"]
    repo = deploy["env"]["ECR_REPOSITORY"]
    # Terraform deploys from the repository of that name, and the bootstrap creates it.
    assert root.default("ecr_repository_name") == repo
    assert Module(TF / "bootstrap").default("ecr_repository_name") == repo
    assert root.data["aws_ecr_repository"]["app"]["name"] == "${var.ecr_repository_name}"

    publish = deploy["jobs"]["publish"]
    build = next(s for s in steps(publish) if s.get("uses", "").startswith("docker/build-push-action"))
    assert build["with"]["push"] is True
    assert build["with"]["tags"] == "${{ steps.ecr.outputs.registry }}/${{ env.ECR_REPOSITORY }}:${{ github.sha }}"
    # The digest of exactly that push (or of the identical earlier push on a re-run) ...
    assert publish["outputs"] == {"digest": "${{ steps.digest.outputs.digest }}"}
    digest_step = next(s for s in steps(publish) if s.get("id") == "digest")
    assert digest_step["env"]["BUILT"] == "${{ steps.build.outputs.digest }}"
    # ... is what terraform apply receives ...
    job = deploy["jobs"]["deploy"]
    assert job["needs"] == ["publish"]
    assert job["env"]["IMAGE_DIGEST"] == "${{ needs.publish.outputs.digest }}"
    apply = next(s["run"] for s in steps(job) if "terraform -chdir=terraform apply" in s.get("run", ""))
    assert '-var "image_digest=${IMAGE_DIGEST}"' in apply and '-var "app_version=${GITHUB_SHA}"' in apply
    # ... is passed unchanged to the service module ...
    svc_args = root.modules["service"]
    assert svc_args["image_digest"] == "${var.image_digest}"
    assert svc_args["image_repository_url"] == "${data.aws_ecr_repository.app.repository_url}"
    # ... which runs repository@digest ...
    service = Module(TF / "modules/service")
    assert service.locals["image"] == "${var.image_repository_url}@${var.image_digest}"
    assert service.locals["app_container"]["image"] == "${local.image}"
    # ... and the running tasks are verified to carry it.
    assert any('verify-deployment.sh "$CLUSTER" "$SERVICE" "$IMAGE_DIGEST"' in s.get("run", "") for s in steps(job))


def test_region_is_the_same_everywhere(workflows):
    tfvars = (TF / "production.tfvars").read_text()
    region = re.search(r'^region\s*=\s*"([^"]+)"', tfvars, re.M).group(1)
    for name, wf in workflows.items():
        assert wf["env"]["AWS_REGION"] == region, name


def test_deploys_are_serialised_and_never_cancelled(workflows):
    deploy = workflows["deploy.yml"]
    assert deploy["on"] == {"push": {"branches": ["main"]}}
    assert deploy["concurrency"] == {"group": "deploy-production", "cancel-in-progress": False}
    assert deploy["jobs"]["deploy"]["environment"]["name"] == "production"


def test_oidc_roles_match_the_jobs_that_assume_them(workflows):
    ci_mod = Module(TF / "modules/ci")
    subs = ci_mod.data["aws_iam_policy_document"]["trust"]["for_each"]
    assert subs["plan"].endswith(":pull_request")
    assert subs["publish"].endswith(":ref:refs/heads/main")
    assert subs["deploy"].endswith(":environment:${var.github_environment}")
    assert ci_mod.default("github_environment") == workflows["deploy.yml"]["jobs"]["deploy"]["environment"]["name"]
    for wf, job_name, secret in (
        ("ci.yml", "plan", "AWS_PLAN_ROLE_ARN"),
        ("deploy.yml", "publish", "AWS_PUBLISH_ROLE_ARN"),
        ("deploy.yml", "deploy", "AWS_DEPLOY_ROLE_ARN"),
    ):
        job = workflows[wf]["jobs"][job_name]
        assert job["permissions"]["id-token"] == "write", f"{wf}:{job_name}"
        creds = next(s for s in steps(job) if s.get("uses", "").startswith("aws-actions/configure-aws-credentials"))
        assert creds["with"]["role-to-assume"] == "${{ secrets.%s }}" % secret
        assert "aws-access-key-id" not in creds["with"], "no long-lived keys"


def test_a_called_workflow_gets_every_permission_its_jobs_request(workflows):
    # GitHub validates a reusable workflow's nested jobs against the calling job's permissions
    # before anything runs, skipped jobs included: a missing one rejects the whole caller.
    rank = {"none": 0, "read": 1, "write": 2}
    for name, wf in workflows.items():
        callers = {j: job for j, job in wf["jobs"].items() if str(job.get("uses", "")).startswith("./.github/workflows/")}
        for job_name, job in callers.items():
            called = workflows[job["uses"].rsplit("/", 1)[1]]
            granted = job.get("permissions") or wf.get("permissions") or {}
            for nested_name, nested in called["jobs"].items():
                for scope, level in (nested.get("permissions") or {}).items():
                    assert rank[granted.get(scope, "none")] >= rank[level], \
                        f"{name}:{job_name} grants {scope}: {granted.get(scope, 'none')}, {nested_name} asks {level}"


def test_a_failed_smoke_test_redeploys_the_previous_release(workflows):
    deploy_steps = steps(workflows["deploy.yml"]["jobs"]["deploy"])
    names = [s.get("id") for s in deploy_steps]
    assert names.index("previous") < names.index("smoke"), "the serving release is read before the apply"
    previous = next(s for s in deploy_steps if s.get("id") == "previous")
    assert "output -raw deployed_image" in previous["run"] and "output -raw app_version" in previous["run"]
    rollback = deploy_steps[names.index("smoke") + 1]
    assert "steps.smoke.outcome == 'failure'" in rollback["if"] and rollback["if"].startswith("failure()")
    assert rollback["env"]["PREVIOUS_DIGEST"] == "${{ steps.previous.outputs.digest }}"
    assert "terraform -chdir=terraform apply" in rollback["run"]
    assert '-var "image_digest=${PREVIOUS_DIGEST}"' in rollback["run"]


def test_no_secret_crosses_jobs(workflows):
    for name, wf in workflows.items():
        for job_name, job in wf["jobs"].items():
            for key, value in (job.get("outputs") or {}).items():
                assert "secrets." not in value and "password" not in key.lower(), f"{name}:{job_name}.{key}"
    assert workflows["deploy.yml"]["jobs"]["publish"]["outputs"].keys() == {"digest"}


def test_pull_request_checks(workflows):
    ci = workflows["ci.yml"]
    assert "pull_request" in ci["on"] and "workflow_call" in ci["on"]
    text = "\n".join(runs(j) for j in ci["jobs"].values())
    for needle in (
        "cargo fmt --all -- --check",
        "cargo clippy",
        "bash scripts/test.sh",
        "openapi/openapi.json",
        "check-infra.sh hadolint",
        "check-infra.sh actionlint",
        "check-infra.sh checkov",
        "check-infra.sh contract",
        "fmt -check -recursive",
        "validate",
        "terraform -chdir=terraform plan",
    ):
        assert needle in text, needle
    rust = ci["jobs"]["rust"]
    assert rust["services"]["postgres"]["image"].startswith("postgres:")
    assert workflows["deploy.yml"]["jobs"]["checks"]["uses"] == "./.github/workflows/ci.yml"


def test_deploy_waits_then_smoke_tests_through_the_alb(workflows):
    job = workflows["deploy.yml"]["jobs"]["deploy"]
    order = [s.get("name", s.get("uses", "")) for s in steps(job)]
    apply_i = next(i for i, s in enumerate(steps(job)) if "terraform -chdir=terraform apply" in s.get("run", ""))
    smoke_i = next(i for i, s in enumerate(steps(job)) if "scripts/smoke.sh" in s.get("run", ""))
    assert apply_i < smoke_i, order
    # terraform apply itself waits for the blue/green deployment (bake time included).
    service = Module(TF / "modules/service")
    assert service.resource("aws_ecs_service", "this")["wait_for_steady_state"] is True
    assert "terraform_wrapper" in str(job)
