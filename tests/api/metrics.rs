//! The metrics listener: names, labels, movement, and bounded cardinality.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// `series → value` from the exposition text.
async fn scrape(app: &TestApp) -> HashMap<String, f64> {
    let text = app.metrics_text().await;
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("series value");
            (series.to_owned(), value.parse().expect("a number"))
        })
        .collect()
}

fn value(metrics: &HashMap<String, f64>, series: &str) -> f64 {
    metrics.get(series).copied().unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_and_histograms_move_per_route_and_status() {
    let app = spawn_app(Backend::Sqlite).await;
    let before = scrape(&app).await;
    app.create("ball", 1).await;
    app.get("/v1/products/ball").await;
    app.get("/v1/products/nothing").await;
    app.send_json(
        Method::POST,
        "/v1/products/ball/adjustments",
        json!({"delta": 1}),
    )
    .await;
    app.send_json(
        Method::POST,
        "/v1/products/ball/adjustments",
        json!({"delta": -5}),
    )
    .await;
    let after = scrape(&app).await;
    let moved = |series: &str| value(&after, series) - value(&before, series);
    assert_eq!(
        moved(r#"http_server_requests_total{method="POST",route="/v1/products",status="201"}"#),
        1.0
    );
    assert_eq!(
        moved(
            r#"http_server_requests_total{method="GET",route="/v1/products/{name}",status="200"}"#
        ),
        1.0
    );
    assert_eq!(
        moved(
            r#"http_server_requests_total{method="GET",route="/v1/products/{name}",status="404"}"#
        ),
        1.0
    );
    assert_eq!(
        moved(
            r#"http_server_request_duration_seconds_count{method="GET",route="/v1/products/{name}",status="404"}"#
        ),
        1.0
    );
    assert!(
        moved(
            r#"http_server_request_duration_seconds_sum{method="GET",route="/v1/products/{name}",status="404"}"#
        ) > 0.0
    );
    assert_eq!(
        moved(r#"inventory_adjustments_total{result="applied"}"#),
        1.0
    );
    assert_eq!(
        moved(r#"inventory_adjustments_total{result="rejected"}"#),
        1.0
    );
    assert!(moved(r#"db_query_duration_seconds_count{operation="insert"}"#) >= 1.0);
    assert!(moved(r#"db_query_duration_seconds_count{operation="select"}"#) >= 1.0);
    assert_eq!(
        after.get("http_server_requests_in_flight"),
        Some(&0.0),
        "exported, and nothing in flight"
    );
    for state in ["idle", "in_use"] {
        assert!(after.contains_key(&format!(r#"db_pool_connections{{state="{state}"}}"#)));
    }
    assert!(
        after
            .keys()
            .any(|k| k.starts_with("build_info{") && k.contains("revision="))
    );
    assert!(after.contains_key("process_resident_memory_bytes"));
}

/// Answers given before or beside an operation (a body too large, a wrong method, the OpenAPI
/// document) carry the route their path matches: only 404s are `unmatched`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_outside_an_operation_keep_their_route() {
    let app = spawn_app(Backend::Sqlite).await;
    // Announced, not sent: the service refuses it from the headers alone.
    let mut stream = TcpStream::connect(app.address).await.unwrap();
    stream
        .write_all(b"POST /v1/products HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0; 12];
    stream.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 413");
    let wrong_method = app
        .request(Method::PATCH, "/v1/products/ball")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert_eq!(app.get("/openapi.json").await.status(), 200);
    let after = scrape(&app).await;
    for series in [
        r#"http_server_requests_total{method="POST",route="/v1/products",status="413"}"#,
        r#"http_server_requests_total{method="PATCH",route="/v1/products/{name}",status="405"}"#,
        r#"http_server_requests_total{method="GET",route="/openapi.json",status="200"}"#,
    ] {
        assert_eq!(after.get(series), Some(&1.0), "{series} in {after:#?}");
    }
    assert!(
        !after.keys().any(|k| k.contains(r#"route="unmatched""#)),
        "{after:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_and_unknown_paths_do_not_add_series() {
    let app = spawn_app(Backend::Sqlite).await;
    app.get("/v1/products/warm-up").await;
    app.get("/warm-up").await;
    let series = scrape(&app).await.len();
    for i in 0..1000 {
        app.get(&format!("/v1/products/name-{i}")).await;
        app.get(&format!("/{}/{i}", uuid::Uuid::new_v4())).await;
    }
    let after = scrape(&app).await;
    assert_eq!(after.len(), series, "series count changed");
    assert!(
        after
            .keys()
            .all(|k| !k.contains("name-") && !k.contains("warm-up"))
    );
    assert_eq!(
        value(
            &after,
            r#"http_server_requests_total{method="GET",route="unmatched",status="404"}"#
        ),
        1001.0
    );
}
