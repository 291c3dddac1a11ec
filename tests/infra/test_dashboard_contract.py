"""Dashboards and alarms name only metrics that exist: in the live service, in the collector's
EMF declarations, with dimensions the series really carry."""

import re

import pytest

from conftest import Module, TF

APP_NS = "${namespace}"  # the dashboard template's placeholder for the app namespace


def dashboard_app_metrics(dashboards) -> dict[str, set[frozenset]]:
    """App metric name -> the dimension sets dashboard widgets query it with."""
    found: dict[str, set[frozenset]] = {}
    for doc in dashboards.values():
        for w in doc["widgets"]:
            if w["type"] != "metric":
                continue
            for row in w["properties"]["metrics"]:
                plain = [x for x in row if not isinstance(x, dict)]
                opts = [x for x in row if isinstance(x, dict)]
                if plain and plain[0] == APP_NS:
                    found.setdefault(plain[1], set()).add(frozenset(plain[2::2]))
                for o in opts:
                    expr = o.get("expression", "")
                    m = re.search(r"SEARCH\('\{(.+?)\}\s.*?MetricName=\"(\w+)\"", expr)
                    if m:
                        parts = [p.strip() for p in m.group(1).split(",")]
                        if parts[0] == APP_NS:
                            found.setdefault(m.group(2), set()).add(frozenset(parts[1:]))
    return found


def alarm_app_metrics() -> dict[str, set[frozenset]]:
    obs = Module(TF / "modules/observability")
    found: dict[str, set[frozenset]] = {}
    for alarm in obs.resources["aws_cloudwatch_metric_alarm"].values():
        if alarm.get("namespace") == "${var.metrics_namespace}":
            dims = alarm.get("dimensions", "")
            names = dims.keys() if isinstance(dims, dict) else re.findall(r"(\w+)\s*=", str(dims))
            found.setdefault(alarm["metric_name"], set()).add(frozenset(names))
    return found


@pytest.fixture(scope="module")
def named_metrics(dashboards) -> dict[str, set[frozenset]]:
    merged = dashboard_app_metrics(dashboards)
    for name, dims in alarm_app_metrics().items():
        merged.setdefault(name, set()).update(dims)
    return merged


def test_dashboards_name_the_contract_metrics(named_metrics):
    # Guards the parser above as much as the dashboards: these must be on the screen.
    for name in (
        "http_server_requests_total",
        "http_server_request_duration_seconds",
        "http_server_requests_in_flight",
        "db_pool_connections",
        "db_query_duration_seconds",
        "inventory_adjustments_total",
        "build_info",
    ):
        assert name in named_metrics, name


def test_every_named_app_metric_is_emitted_by_the_collector(named_metrics, collector_config):
    decls = collector_config["exporters"]["awsemf"]["metric_declarations"]
    for name, used in named_metrics.items():
        matching = [d for d in decls if any(re.search(sel, name) for sel in d["metric_name_selectors"])]
        assert matching, f"{name}: no awsemf metric_declaration selects it, so CloudWatch never sees it"
        dim_sets = [frozenset(ds) for d in matching for ds in d["dimensions"]]
        for dims in used:
            assert dims in dim_sets, f"{name}: dimensions {sorted(dims)} not among the declared sets {dim_sets}"


def test_every_named_app_metric_is_in_the_live_metrics(named_metrics, live, collector_config):
    families = live.families()
    # Labels the collector adds to every scraped series.
    added = {"Service", "status_class"}
    sc = collector_config["receivers"]["prometheus"]["config"]["scrape_configs"][0]
    assert set(sc["static_configs"][0]["labels"]) == {"Service"}
    assert {r["target_label"] for r in sc["metric_relabel_configs"]} == {"status_class"}
    missing = sorted(n for n in named_metrics if n not in families)
    assert not missing, f"named by dashboards/alarms but absent from the live /metrics: {missing}"
    for name, used in named_metrics.items():
        dims = set().union(*used)
        unknown = dims - added - families[name]
        assert not unknown, f"{name}: dimension(s) {sorted(unknown)} are not labels of the live series ({sorted(families[name])})"


def test_dashboard_placeholders_are_all_provided(dashboards, observability):
    call = observability.resource("aws_cloudwatch_dashboard", "this")["dashboard_body"]
    provided = set(re.findall(r"(\w+)\s*=", call))
    for name, doc in dashboards.items():
        used = set(re.findall(r"\$\{(\w+)\}", str(doc)))
        assert used <= provided, f"{name}: placeholders without a value: {used - provided}"
        assert "%{" not in str(doc), "templatefile directives are not expected in dashboards"


def test_dashboard_layout_is_valid(dashboards):
    for name, doc in dashboards.items():
        assert 0 < len(doc["widgets"]) <= 500
        for w in doc["widgets"]:
            assert 0 <= w["x"] and w["x"] + w["width"] <= 24, f"{name}: widget out of the 24-column grid"
            if w["type"] == "metric":
                assert w["properties"]["region"] == "${region}"


def test_latency_percentiles_come_from_the_alb(dashboards):
    # Classic histograms reach CloudWatch without buckets: a percentile stat on an app
    # histogram would graph nothing. Percentiles only on ALB TargetResponseTime.
    for doc in dashboards.values():
        for w in doc["widgets"]:
            if w["type"] != "metric":
                continue
            for row in w["properties"]["metrics"]:
                plain = [x for x in row if not isinstance(x, dict)]
                for o in (x for x in row if isinstance(x, dict)):
                    if re.match(r"^p\d", str(o.get("stat", ""))):
                        assert plain[:1] in (["AWS/ApplicationELB"], ["..."]), f"percentile on {plain}"
