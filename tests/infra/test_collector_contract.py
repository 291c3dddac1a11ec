"""The ADOT sidecar config (rendered as the task definition carries it) fits the app."""

from conftest import port_of, svc


def test_collector_scrapes_the_metrics_port_the_service_listens_on(collector_config, app_env, help_defaults):
    scrape = collector_config["receivers"]["prometheus"]["config"]["scrape_configs"]
    assert len(scrape) == 1
    targets = [t for sc in scrape[0]["static_configs"] for t in sc["targets"]]
    metrics_port = port_of(app_env["METRICS_ADDR"])
    assert targets == [f"127.0.0.1:{metrics_port}"]
    assert metrics_port == port_of(help_defaults["METRICS_ADDR"])
    assert scrape[0]["metrics_path"] == "/metrics"


def test_pipelines_export_traces_to_xray_and_metrics_to_emf(collector_config):
    p = collector_config["service"]["pipelines"]
    assert p["traces"]["receivers"] == ["otlp"] and "awsxray" in p["traces"]["exporters"]
    assert p["metrics"]["receivers"] == ["prometheus"] and "awsemf" in p["metrics"]["exporters"]
    for pipeline in p.values():
        for name in pipeline["processors"]:
            assert name in collector_config["processors"], name
        for name in pipeline["exporters"]:
            assert name in collector_config["exporters"], name
    # Histograms are delta-converted before awsemf (it does not do that itself).
    assert "cumulativetodelta/histograms" in p["metrics"]["processors"]


def test_health_check_extension_is_what_healthcheck_probes(collector_config):
    assert collector_config["service"]["extensions"] == ["health_check"]
    # The image's /healthcheck binary GETs http://127.0.0.1:13133/ by default.
    assert collector_config["extensions"]["health_check"]["endpoint"] == "127.0.0.1:13133"


def test_receivers_bind_loopback_only(collector_config):
    for proto in collector_config["receivers"]["otlp"]["protocols"].values():
        assert proto["endpoint"].startswith("127.0.0.1:")


def test_emf_goes_to_the_log_group_terraform_creates(collector_config, service, service_args, root):
    emf = collector_config["exporters"]["awsemf"]
    created = svc("${local.log_group_names.emf}", service, service_args, root)
    assert created == "/ecs/products-api/emf"
    assert emf["log_group_name"] == created
    assert emf["dimension_rollup_option"] == "NoDimensionRollup"
    # The task role may write exactly there.
    stmts = service.data["aws_iam_policy_document"]["task"]["statement"]
    emf_stmt = [s for s in stmts if "logs:PutLogEvents" in s["actions"]]
    assert emf_stmt and emf_stmt[0]["resources"] == ['${aws_cloudwatch_log_group.this["emf"].arn}:*']
