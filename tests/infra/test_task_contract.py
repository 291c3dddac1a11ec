"""The task definition, target groups and service hold the service's own contract."""

import re

from conftest import port_of, svc


def test_service_defaults_match_the_contract(help_defaults, contract_defaults):
    # The binary documents the same defaults as contract section 6 (so the task's explicit
    # settings below are compared against what the service really does).
    for var in ("LISTEN_ADDR", "METRICS_ADDR", "SHUTDOWN_GRACE_SECONDS", "DB_MAX_CONNECTIONS"):
        assert var in contract_defaults and help_defaults.get(var) == contract_defaults[var], var


def test_api_port_is_the_target_group_and_container_port(app_container, app_env, service, service_args, root, edge, help_defaults):
    app_port = int(svc("${var.app_port}", service, service_args, root))
    assert port_of(help_defaults["LISTEN_ADDR"]) == app_port, "service default API port"
    assert app_env["LISTEN_ADDR"] == f"0.0.0.0:{app_port}", "the ALB reaches the task on its ENI"
    mapped = [int(svc(p["containerPort"], service, service_args, root)) for p in app_container["portMappings"]]
    assert mapped == [app_port], "only the API port is mapped"
    lb = service.resource("aws_ecs_service", "this")["load_balancer"][0]
    assert int(svc(lb["container_port"], service, service_args, root)) == app_port
    assert svc(lb["container_name"], service, service_args, root) == svc(app_container["name"], service, service_args, root) == "app"
    edge_args = root.modules["edge"]
    assert int(edge_args["target_port"]) == app_port, "target groups send to the API port"


def test_metrics_port_is_never_mapped_or_routed(app_container, app_env, service, service_args, root, help_defaults):
    metrics_port = port_of(app_env["METRICS_ADDR"])
    assert metrics_port == port_of(help_defaults["METRICS_ADDR"]), "task uses the service's metrics port"
    assert app_env["METRICS_ADDR"].startswith("127.0.0.1:"), "metrics bound to loopback inside the task"
    mapped = {int(svc(p["containerPort"], service, service_args, root)) for p in app_container["portMappings"]}
    assert metrics_port not in mapped
    ingress = service.resource("aws_vpc_security_group_ingress_rule", "tasks_from_alb")
    assert svc(ingress["from_port"], service, service_args, root) != metrics_port


def test_target_group_health_check_is_healthz(root, edge):
    assert root.modules["edge"]["health_check_path"] == "/healthz"
    hc = edge.resource("aws_lb_target_group", "this")["health_check"][0]
    assert hc["path"] == "${var.health_check_path}"
    assert hc["port"] == "traffic-port" and str(hc["matcher"]) == "200"
    assert edge.resource("aws_lb_target_group", "this")["port"] == "${var.target_port}"
    # Drain quickly, but not instantly: requests finish in well under a second.
    assert 5 <= edge.default("deregistration_delay") <= 60


def test_container_health_checks(app_container, collector_container):
    assert app_container["healthCheck"]["command"] == ["CMD", "/usr/local/bin/products-api", "healthcheck"]
    # The ADOT image is FROM scratch: only its bundled /healthcheck binary can probe it.
    assert collector_container["healthCheck"]["command"] == ["CMD", "/healthcheck"]


def test_stop_timeout_exceeds_shutdown_grace(app_container, app_env, service, service_args, root, help_defaults):
    grace = int(app_env["SHUTDOWN_GRACE_SECONDS"])
    stop = int(svc(app_container["stopTimeout"], service, service_args, root))
    assert stop > grace, f"stopTimeout {stop} must exceed SHUTDOWN_GRACE_SECONDS {grace}"
    assert stop > int(help_defaults["SHUTDOWN_GRACE_SECONDS"])
    assert stop <= 120, "Fargate caps stopTimeout at 120 s"


def test_database_password_comes_from_the_rds_managed_secret(app_container, service, service_args, root):
    secrets = {s["name"]: s["valueFrom"] for s in app_container["secrets"]}
    assert set(secrets) == {"PGUSER", "PGPASSWORD"}
    for name, key in (("PGUSER", "username"), ("PGPASSWORD", "password")):
        assert secrets[name] == "${var.db_secret_arn}:" + key + "::"
    # ... and db_secret_arn is the secret RDS manages for the instance, nothing else.
    assert service_args["db_secret_arn"] == "${module.database.master_user_secret_arn}"
    db = root.__class__(root.path / "modules/database")
    assert db.outputs["master_user_secret_arn"]["value"] == "${aws_db_instance.this.master_user_secret[0].secret_arn}"
    instance = db.resource("aws_db_instance", "this")
    assert instance["manage_master_user_password"] is True
    assert "password" not in instance and "password_wo" not in instance
    # The execution role may read exactly that secret.
    statements = service.data["aws_iam_policy_document"]["execution"]["statement"]
    readers = [s for s in statements if "secretsmanager:GetSecretValue" in s["actions"]]
    assert readers and all(s["resources"] == ["${var.db_secret_arn}"] for s in readers)


def test_no_secret_in_container_environment(service, app_env):
    secretish = re.compile(r"PASS|SECRET|TOKEN|DSN|DATABASE_URL|PRIVATE|CREDENTIAL|_KEY$", re.I)
    for container in (service.locals["app_container"], service.locals["collector_container"]):
        for e in container["environment"]:
            assert not secretish.search(e["name"]), f"{container['name']}: environment {e['name']} looks like a secret"
            assert not re.search(r"postgres(ql)?://[^\s]*:[^\s]*@", str(e["value"])), f"{e['name']} holds a DSN with a password"
    assert "PGHOST" in app_env and "DATABASE_URL" not in app_env


def test_task_hardening(app_container, collector_container, service):
    for c in (app_container, collector_container):
        assert c["readonlyRootFilesystem"] is True, c["name"]
        uid = str(c["user"]).split(":")[0]
        assert uid not in ("0", "root"), c["name"]
        assert c["logConfiguration"]["logDriver"] == "awslogs"
    env = {e["name"]: e["value"] for e in app_container["environment"]}
    assert env["LOG_FORMAT"] == "json"
    td = service.resource("aws_ecs_task_definition", "this")
    assert td["network_mode"] == "awsvpc" and td["requires_compatibilities"] == ["FARGATE"]


def test_blue_green_rollout(service, edge):
    s = service.resource("aws_ecs_service", "this")
    dc = s["deployment_configuration"][0]
    assert dc["strategy"] == "BLUE_GREEN" and dc["bake_time_in_minutes"] == "${var.bake_time_minutes}"
    adv = s["load_balancer"][0]["advanced_configuration"][0]
    assert adv["alternate_target_group_arn"] == "${var.green_target_group_arn}"
    assert adv["production_listener_rule"] == "${var.production_listener_rule_arn}"
    assert adv["role_arn"] == "${aws_iam_role.infrastructure.arn}"
    assert s["deployment_circuit_breaker"][0] == {"enable": True, "rollback": True}
    assert s["alarms"][0]["enable"] is True and s["alarms"][0]["rollback"] is True
    assert s["wait_for_steady_state"] is True
    # ECS owns the weights and the active target group after each deployment.
    ignored = s["lifecycle"][0]["ignore_changes"]
    assert "${desired_count}" in ignored or "desired_count" in ignored
    assert "${load_balancer}" in ignored or "load_balancer" in ignored
    rule = edge.resource("aws_lb_listener_rule", "production")
    assert rule["lifecycle"][0]["ignore_changes"] in (["${action}"], ["action"])
    tgs = rule["action"][0]["forward"][0]["target_group"]
    assert sorted(int(t["weight"]) for t in tgs) == [0, 100]
    # The deployment alarms are the 5xx-rate and p99 alarms.
    obs = service.__class__(service.path.parent / "observability")
    names = obs.outputs["deployment_alarm_names"]["value"]
    assert names == [
        "${aws_cloudwatch_metric_alarm.error_rate.alarm_name}",
        "${aws_cloudwatch_metric_alarm.p99_latency.alarm_name}",
    ]
    assert service.resource("aws_ecs_service", "this")["alarms"][0]["alarm_names"] == "${var.deployment_alarm_names}"


def test_autoscaling_minimum_two_on_cpu_and_requests(service, root):
    target = service.resource("aws_appautoscaling_target", "this")
    assert target["min_capacity"] == "${var.min_capacity}"
    assert root.default("min_capacity") >= 2 and service.default("min_capacity") >= 2
    cpu = service.resource("aws_appautoscaling_policy", "cpu")["target_tracking_scaling_policy_configuration"][0]
    assert cpu["predefined_metric_specification"][0]["predefined_metric_type"] == "ECSServiceAverageCPUUtilization"
    req = service.resource("aws_appautoscaling_policy", "requests")["target_tracking_scaling_policy_configuration"][0]
    assert "RequestCountPerTarget" in str(req["customized_metric_specification"])


def test_otel_endpoint_points_at_the_collector_receiver(app_env, collector_config):
    grpc = collector_config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]
    http_ = collector_config["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    endpoint = app_env["OTEL_EXPORTER_OTLP_ENDPOINT"]
    protocol = app_env["OTEL_EXPORTER_OTLP_PROTOCOL"]
    receiver = grpc if protocol == "grpc" else http_
    assert endpoint == f"http://{receiver}", f"{endpoint} ({protocol}) vs receiver {receiver}"
    assert app_env["OTEL_SERVICE_NAME"] == "products-api"


def test_production_pools_fit_the_database_during_a_deployment(root):
    # terraform/main.tf's check "database_allows_every_pool", evaluated on production.tfvars:
    # blue and green tasks at max_capacity each hold a full pool.
    tfvars = dict(
        re.findall(r'^(\w+)\s*=\s*"?([^"\n#]+?)"?\s*(?:#.*)?$', (root.path / "production.tfvars").read_text(), re.M)
    )
    value = lambda var: tfvars.get(var, root.default(var))  # noqa: E731
    memory_gib = root.locals["db_memory_gib"][value("db_instance_class")]
    budget = int(0.8 * memory_gib * 1073741824 / 9531392)
    peak = 2 * int(value("max_capacity")) * int(value("db_max_connections"))
    assert peak <= budget, f"{peak} connections at the peak of a deployment, {budget} allowed"
    assert "database_allows_every_pool" in root.text
    service_args = root.modules["service"]
    assert service_args["db_max_connections"] == "${var.db_max_connections}"
