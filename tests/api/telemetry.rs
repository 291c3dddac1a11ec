//! Traces exported to a real OTLP receiver by the real binary; logs; metrics.

use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::otlp::{Attr, Receiver, Service};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// The span id of the SERVER span that answered, from the response's `traceresponse`.
fn served_span_id(response: &reqwest::Response) -> String {
    let header = response.headers()["traceresponse"].to_str().unwrap();
    header.split('-').nth(2).unwrap().to_owned()
}

fn otel(endpoint: String, protocol: &str) -> Vec<(&'static str, String)> {
    vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.to_owned()),
        ("OTEL_SERVICE_NAME", "products-api-test".to_owned()),
        // Export quickly so the tests need not wait for the default 5 s batch delay.
        ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
    ]
}

/// A fresh `backend` database and the service on it, exporting to a new receiver over `protocol`
/// (`grpc` or `http/protobuf`); `extra` variables come after those of [`otel`] and override them.
async fn exporting_service(
    backend: Backend,
    protocol: &str,
    extra: &[(&'static str, String)],
) -> (Receiver, TestDatabase, Service) {
    let receiver = Receiver::start().await;
    let db = TestDatabase::new(backend).await;
    let address = if protocol == "grpc" {
        receiver.grpc
    } else {
        receiver.http
    };
    let mut env = otel(format!("http://{address}"), protocol);
    env.extend_from_slice(extra);
    let service = Service::start(&db.url, &env, Stdio::null()).await;
    (receiver, db, service)
}

async fn create(client: &Client, base: &str, name: &str) {
    let response = client
        .post(format!("{base}/v1/products"))
        .json(&json!({"name": name, "quantity": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_export_continues_traceparent_with_database_children() {
    let (receiver, _db, service) = exporting_service(Backend::Sqlite, "grpc", &[]).await;
    let client = Client::new();
    create(&client, &service.base, "ball").await;
    let response = client
        .get(format!("{}/v1/products/ball", service.base))
        .header("traceparent", TRACEPARENT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let traceresponse = response.headers()["traceresponse"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        traceresponse.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{traceresponse}"
    );

    let server = receiver
        .wait_for("GET /v1/products/{name}", |s| {
            s.name == "GET /v1/products/{name}" && s.trace_id.starts_with("4bf92f35")
        })
        .await;
    assert_eq!(server.kind, 2, "SERVER");
    assert_eq!(
        server.parent_span_id, "00f067aa0ba902b7",
        "parent from traceparent"
    );
    assert_eq!(
        server.attr("http.request.method"),
        Some(&Attr::Str("GET".into()))
    );
    assert_eq!(
        server.attr("http.route"),
        Some(&Attr::Str("/v1/products/{name}".into()))
    );
    assert_eq!(
        server.attr("url.path"),
        Some(&Attr::Str("/v1/products/ball".into()))
    );
    assert_eq!(
        server.attr("http.response.status_code"),
        Some(&Attr::Int(200))
    );
    assert_eq!(server.service_name(), Some("products-api-test"));
    assert_eq!(
        traceresponse,
        format!("00-{}-{}-01", server.trace_id, server.span_id)
    );
    assert_ne!(server.status_code, 2, "a 200 is not an error");

    let query = receiver
        .wait_for("a database child", |s| {
            s.parent_span_id == server.span_id && s.kind == 3
        })
        .await;
    assert_eq!(query.trace_id, server.trace_id);
    assert_eq!(query.name, "SELECT products");
    assert_eq!(
        query.attr("db.collection.name"),
        Some(&Attr::Str("products".into()))
    );
    assert_eq!(
        query.attr("db.system.name"),
        Some(&Attr::Str("sqlite".into()))
    );
    assert!(
        matches!(query.attr("db.operation.name"), Some(Attr::Str(op)) if op == "SELECT"),
        "{query:?}"
    );
    match query.attr("db.query.text") {
        Some(Attr::Str(sql)) => assert!(!sql.contains("ball"), "no parameter values in {sql}"),
        other => panic!("db.query.text: {other:?}"),
    }
    // Unknown paths are labelled `unmatched`, never with the raw path.
    client
        .get(format!("{}/no/such/path", service.base))
        .send()
        .await
        .unwrap();
    receiver
        .wait_for("GET unmatched", |s| s.name == "GET unmatched")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_protobuf_export_continues_an_alb_x_ray_trace() {
    let (receiver, _db, service) = exporting_service(Backend::Sqlite, "http/protobuf", &[]).await;
    let client = Client::new();
    let full = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    client
        .get(format!("{}/v1/products", service.base))
        .header("x-amzn-trace-id", full)
        .send()
        .await
        .unwrap();
    let span = receiver
        .wait_for("from X-Ray", |s| {
            s.trace_id == "5759e988bd862e3fe1be46a994272793" && s.kind == 2
        })
        .await;
    assert_eq!(span.parent_span_id, "53995c3f42cd8ad8");
    assert_eq!(span.name, "GET /v1/products");
    // What an ALB adds to a request that has no trace header: Root only. The trace it names
    // must be recorded (sampled), with this span as its root.
    let root_only = "Root=1-67891233-abcdef012345678912345678";
    client
        .get(format!("{}/healthz", service.base))
        .header("x-amzn-trace-id", root_only)
        .send()
        .await
        .unwrap();
    let span = receiver
        .wait_for("the ALB's trace", |s| {
            s.trace_id == "67891233abcdef012345678912345678"
        })
        .await;
    assert_eq!(span.name, "GET /healthz");
    assert_eq!(span.parent_span_id, "", "{span:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_write_shows_its_whole_transaction() {
    let (receiver, _db, service) = exporting_service(Backend::Postgres, "http/protobuf", &[]).await;
    let response = Client::new()
        .post(format!("{}/v1/products", service.base))
        .header("traceparent", TRACEPARENT)
        .header("idempotency-key", "trace-me-1")
        .json(&json!({"name": "kite", "quantity": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let server = receiver
        .wait_for("POST /v1/products", |s| s.name == "POST /v1/products")
        .await;
    let statements = |spans: Vec<crate::otlp::ReceivedSpan>| {
        let mut children: Vec<_> = spans
            .into_iter()
            .filter(|s| s.parent_span_id == server.span_id && s.kind == 3)
            .collect();
        children.sort_by_key(|s| s.start_time_unix_nano);
        children.into_iter().map(|s| s.name).collect::<Vec<_>>()
    };
    receiver
        .wait_for("COMMIT", |s| {
            s.name == "COMMIT" && s.parent_span_id == server.span_id
        })
        .await;
    assert_eq!(
        statements(receiver.spans()),
        [
            "BEGIN",
            "DELETE idempotency_keys",
            "INSERT idempotency_keys",
            "INSERT products",
            "UPDATE idempotency_keys",
            "COMMIT"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_when_the_database_is_gone_has_error_status() {
    let (receiver, db, service) = exporting_service(
        Backend::Postgres,
        "grpc",
        &[("DB_ACQUIRE_TIMEOUT_SECONDS", "1".to_owned())],
    )
    .await;
    let client = Client::new();
    create(&client, &service.base, "ball").await;
    drop(db); // DROP DATABASE … WITH (FORCE): connections are cut and the database is gone.
    let response = client
        .get(format!("{}/v1/products/ball", service.base))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_server_error(), "{}", response.status());
    let problem: Value = response.json().await.unwrap();
    let trace_id = problem["trace_id"]
        .as_str()
        .expect("problem carries trace_id")
        .to_owned();
    let span = receiver
        .wait_for("the failed request", |s| {
            s.trace_id == trace_id && s.kind == 2
        })
        .await;
    assert_eq!(span.status_code, 2, "ERROR status on a 5xx");
    assert_eq!(
        span.attr("http.response.status_code"),
        Some(&Attr::Int(503))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_of_finished_requests_are_flushed_on_sigterm() {
    // Nothing would be exported for a minute: only the shutdown flush can deliver these spans.
    let (receiver, _db, service) = exporting_service(
        Backend::Sqlite,
        "grpc",
        &[("OTEL_BSP_SCHEDULE_DELAY", "60000".to_owned())],
    )
    .await;
    let client = Client::new();
    for name in ["a", "b", "c"] {
        create(&client, &service.base, name).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !receiver
            .spans()
            .iter()
            .any(|s| s.name == "POST /v1/products"),
        "nothing is exported before SIGTERM, or this test could not see the flush"
    );
    let status = service.terminate().await;
    assert_eq!(status.code(), Some(0));
    let created = receiver
        .spans()
        .into_iter()
        .filter(|s| s.name == "POST /v1/products")
        .count();
    assert_eq!(created, 3, "all three request spans arrived after SIGTERM");
}

fn percentile(mut samples: Vec<Duration>, p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p) as usize]
}

async fn latencies(base: &str, requests: usize) -> Vec<Duration> {
    let client = Client::new();
    let mut samples = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        let response = client
            .get(format!("{base}/v1/products/ball"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        samples.push(started.elapsed());
    }
    samples
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_that_never_answers_does_not_slow_requests_over_grpc() {
    a_collector_that_never_answers_does_not_slow_requests("grpc").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_that_never_answers_does_not_slow_requests_over_http() {
    a_collector_that_never_answers_does_not_slow_requests("http/protobuf").await;
}

/// A collector that accepts connections and never answers: requests are not slowed, and the
/// spans that cannot be queued are dropped with one log line.
async fn a_collector_that_never_answers_does_not_slow_requests(protocol: &str) {
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = black_hole.local_addr().unwrap();
    let held = std::thread::spawn(move || {
        let connections: Vec<_> = black_hole.incoming().take(8).collect();
        std::thread::sleep(Duration::from_secs(60));
        drop(connections);
    });
    drop(held);

    let db = TestDatabase::new(Backend::Sqlite).await;
    let baseline = Service::start(
        &db.url,
        &[("OTEL_SDK_DISABLED", "true".to_owned())],
        Stdio::null(),
    )
    .await;
    create(&Client::new(), &baseline.base, "ball").await;
    let without = latencies(&baseline.base, 300).await;
    drop(baseline);

    let mut env = otel(format!("http://{address}"), protocol);
    env.push(("OTEL_BSP_MAX_QUEUE_SIZE", "256".to_owned()));
    // Warnings only: the output pipe is read at the end, and 3000 access lines would fill it.
    env.push(("RUST_LOG", "warn".to_owned()));
    let stuck = Service::start(&db.url, &env, Stdio::piped()).await;
    let with = latencies(&stuck.base, 3000).await;
    let (p99_without, p99_with) = (percentile(without, 0.99), percentile(with, 0.99));
    assert!(
        p99_with < p99_without * 3 + Duration::from_millis(20),
        "{protocol}: p99 {p99_with:?} with a stuck collector vs {p99_without:?} without"
    );
    let output = stuck.output().await;
    let drop_notices = output
        .lines()
        .filter(|l| l.contains("SpanDroppingStarted"))
        .count();
    assert_eq!(
        drop_notices, 1,
        "{protocol}: drops are logged once:\n{output}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_request_trace_and_no_password() {
    let db = TestDatabase::new(Backend::Postgres).await;
    // Trust authentication ignores the password, so it can be a marker that must never appear.
    let url = db.url.replacen(
        "postgres://postgres@",
        "postgres://postgres:m4rker-s3cret@",
        1,
    );
    let service = Service::start(&url, &[("LOG_FORMAT", "json".to_owned())], Stdio::piped()).await;
    let response = Client::new()
        .get(format!("{}/v1/products/nothing", service.base))
        .header("traceparent", TRACEPARENT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let span_id = served_span_id(&response);
    let output = service.output().await;
    assert!(!output.contains("m4rker-s3cret"), "the password was logged");
    let lines: Vec<Value> = output
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    for line in &lines {
        for field in ["timestamp", "level", "target", "message"] {
            assert!(line[field].is_string(), "{field} in {line}");
        }
        // No OTLP endpoint is configured: no export, and no complaint about it either.
        assert!(
            !line["target"]
                .as_str()
                .unwrap()
                .starts_with("opentelemetry"),
            "{line}"
        );
    }
    let access = lines
        .iter()
        .find(|l| l["target"] == "access" && l["route"] == "/v1/products/{name}")
        .expect("an access line");
    assert_eq!(access["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(
        access["span_id"], span_id,
        "the request's own span, not its parent"
    );
    assert_eq!(
        (access["method"].as_str(), access["status"].as_i64()),
        (Some("GET"), Some(404))
    );
    assert!(access["duration_ms"].as_f64().is_some() && access["bytes"].as_u64().unwrap() > 0);
    assert!(lines.iter().any(|l| {
        l["message"]
            .as_str()
            .is_some_and(|m| m.contains("connected"))
            && l["database"]
                .as_str()
                .is_some_and(|d| d.contains("REDACTED"))
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_log_lines_of_a_request_end_with_its_trace() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let service = Service::start(
        &db.url,
        &[("LOG_FORMAT", "text".to_owned())],
        Stdio::piped(),
    )
    .await;
    let response = Client::new()
        .get(format!("{}/v1/products/nothing", service.base))
        .header("traceparent", TRACEPARENT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let span_id = served_span_id(&response);
    let output = service.output().await;
    let access = output
        .lines()
        .find(|l| l.contains(" access: ") && l.contains("/v1/products/{name}"))
        .unwrap_or_else(|| panic!("no access line in {output}"));
    assert!(
        access.ends_with(&format!(
            " trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id={span_id}"
        )),
        "{access}"
    );
    let started = output
        .lines()
        .find(|l| l.contains("serving"))
        .expect("the start-up line");
    assert!(
        !started.contains("trace_id="),
        "not in a request: {started}"
    );
}

/// `OTEL_EXPORTER_OTLP_HEADERS` (percent-encoded, as the specification has it) reach the
/// collector on every export request, over either protocol, and never the service's output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporter_headers_reach_the_collector_and_never_the_logs() {
    for protocol in ["grpc", "http/protobuf"] {
        let receiver = Receiver::start().await;
        let db = TestDatabase::new(Backend::Sqlite).await;
        let address = if protocol == "grpc" {
            receiver.grpc
        } else {
            receiver.http
        };
        let mut env = otel(format!("http://{address}"), protocol);
        env.extend([
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "authorization=Bearer%20s3cret-t0ken,x-tenant=products".to_owned(),
            ),
            ("RUST_LOG", "debug".to_owned()),
        ]);
        let service = Service::start(&db.url, &env, Stdio::piped()).await;
        create(&Client::new(), &service.base, "ball").await;
        receiver
            .wait_for("POST /v1/products", |s| s.name == "POST /v1/products")
            .await;

        let requests = receiver.request_headers();
        assert!(!requests.is_empty(), "{protocol}");
        for headers in &requests {
            assert_eq!(
                headers["authorization"], "Bearer s3cret-t0ken",
                "{protocol}"
            );
            assert_eq!(headers["x-tenant"], "products", "{protocol}");
        }
        let output = service.output().await;
        assert!(
            output.contains(r#"route="/v1/products" status=201"#),
            "{protocol}: the access line was captured:\n{output}"
        );
        assert!(
            !output.contains("s3cret"),
            "{protocol}: the header's value was logged:\n{output}"
        );
    }
}

/// The export is set up by the standard variables alone: a per-signal endpoint (used as given,
/// with no general one), the resource from `OTEL_RESOURCE_ATTRIBUTES`, and the sampler.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_variables_set_endpoint_resource_and_sampler() {
    let receiver = Receiver::start().await;
    let db = TestDatabase::new(Backend::Sqlite).await;
    let traces_endpoint = format!("http://{}/v1/traces", receiver.http);
    let env = [
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            traces_endpoint.clone(),
        ),
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            "service.name=inventory,deployment.environment.name=staging".to_owned(),
        ),
        ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
    ];
    let service = Service::start(&db.url, &env, Stdio::null()).await;
    create(&Client::new(), &service.base, "ball").await;
    let span = receiver
        .wait_for("POST /v1/products", |s| s.name == "POST /v1/products")
        .await;
    assert_eq!(span.service_name(), Some("inventory"));
    assert_eq!(
        span.resource.get("deployment.environment.name"),
        Some(&Attr::Str("staging".into()))
    );
    drop(service);

    // Sampled out: the request is served and says so in `traceresponse`; nothing is exported.
    let receiver = Receiver::start().await;
    let env = [
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            format!("http://{}/v1/traces", receiver.http),
        ),
        ("OTEL_TRACES_SAMPLER", "traceidratio".to_owned()),
        ("OTEL_TRACES_SAMPLER_ARG", "0".to_owned()),
        ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
    ];
    let service = Service::start(&db.url, &env, Stdio::null()).await;
    let response = Client::new()
        .get(format!("{}/v1/products/ball", service.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let traceresponse = response.headers()["traceresponse"].to_str().unwrap();
    assert!(
        traceresponse.ends_with("-00"),
        "not sampled: {traceresponse}"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(receiver.spans().is_empty(), "{:?}", receiver.spans());
}
