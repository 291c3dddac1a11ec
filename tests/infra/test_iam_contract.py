"""IAM invariants checkov cannot see (it misses a "*" principal written through
aws_iam_policy_document) and registry/edge/state settings the issue requires."""

import json
import re

from conftest import TF, all_modules


def statements(mod):
    for name, doc in mod.data.get("aws_iam_policy_document", {}).items():
        for st in doc.get("statement", []):
            yield f"{mod.path}: data.aws_iam_policy_document.{name}", st


def test_no_allow_statement_has_a_star_principal():
    checked = 0
    for mod in all_modules():
        for where, st in statements(mod):
            checked += 1
            if st.get("effect", "Allow") != "Allow":
                continue
            for p in st.get("principals", []) + st.get("not_principals", []):
                assert p["type"] != "*" and "*" not in p["identifiers"], f"{where}: Allow to a '*' principal"
        # Inline JSON policies (jsonencode / heredoc) anywhere in the module text.
        for m in re.finditer(r'Principal\s*[=:]\s*("\*"|\{\s*AWS\s*[=:]\s*"\*")', mod.text):
            raise AssertionError(f"{mod.path}: inline policy with a '*' principal: {m.group(0)}")
    assert checked > 20, "the policy-document walk found too few statements; is the parser still working?"


def test_the_star_principal_check_can_fail(tmp_path):
    # The original project's ECR policy, as it was written: the test above must catch it.
    bad = tmp_path / "bad.tf"
    bad.write_text(
        'data "aws_iam_policy_document" "ecr" {\n  statement {\n    actions = ["ecr:*"]\n'
        '    principals {\n      type        = "*"\n      identifiers = ["*"]\n    }\n  }\n}\n'
    )
    from conftest import Module

    found = [st for _, st in statements(Module(tmp_path)) for p in st["principals"] if "*" in p["identifiers"]]
    assert found


def test_registry_is_immutable_scanned_and_has_no_policy():
    from conftest import Module

    reg = Module(TF / "modules/registry")
    repo = reg.resource("aws_ecr_repository", "this")
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert repo["image_scanning_configuration"][0]["scan_on_push"] is True
    assert "aws_ecr_repository_policy" not in reg.resources
    assert "aws_ecr_lifecycle_policy" in reg.resources
    assert reg.default("keep_images") >= 10


def test_state_backend_locks_in_s3_and_versions_are_pinned():
    from conftest import Module

    root = Module(TF)
    tf = root.terraform[0]
    backend = tf["backend"][0]["s3"]
    assert backend["use_lockfile"] is True and backend["encrypt"] is True
    assert "dynamodb_table" not in backend
    assert re.match(r">= 1\.1[1-9]", tf["required_version"])
    aws = tf["required_providers"][0]["aws"]
    assert aws["source"] == "hashicorp/aws" and aws["version"].startswith("~> 6.")
    boot = Module(TF / "bootstrap")
    assert boot.resource("aws_s3_bucket_versioning", "state")["versioning_configuration"][0]["status"] == "Enabled"
    pab = boot.resource("aws_s3_bucket_public_access_block", "state")
    assert all(pab[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))


def test_edge_https_and_header_hygiene():
    from conftest import Module

    edge = Module(TF / "modules/edge")
    lb = edge.resource("aws_lb", "this")
    assert lb["drop_invalid_header_fields"] is True
    assert lb["access_logs"][0]["enabled"] is True
    https = edge.resource("aws_lb_listener", "https")
    assert https["protocol"] == "HTTPS" and https["ssl_policy"] == "${var.ssl_policy}"
    assert edge.default("ssl_policy").startswith("ELBSecurityPolicy-TLS13")
    http = edge.resource("aws_lb_listener", "http")
    assert "redirect" in json.dumps(http["dynamic"]) and "HTTP_301" in json.dumps(http["dynamic"])


def test_database_is_private_encrypted_and_backed_up():
    from conftest import Module

    db = Module(TF / "modules/database")
    i = db.resource("aws_db_instance", "this")
    assert i["publicly_accessible"] is False and i["storage_encrypted"] is True
    assert i["multi_az"] == "${var.multi_az}" and i["deletion_protection"] == "${var.deletion_protection}"
    assert db.default("backup_retention_days") >= 7
    assert int(db.default("engine_version")) >= 17
    ingress = db.resource("aws_vpc_security_group_ingress_rule", "clients")
    assert "referenced_security_group_id" in ingress and "cidr_ipv4" not in ingress
