//! Limits that keep the service answering: the pool acquire timeout and the request timeout.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::helpers::*;

/// A transaction holding `products` exclusively: every statement on it waits until it ends.
async fn lock_products(app: &TestApp) -> sea_orm::DatabaseTransaction {
    let lock = app.db.connect().await.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    lock
}

/// With one pooled connection held by a request that waits on a table lock, a second request
/// gets 503 after the acquire timeout instead of queueing; the first gets 503 at the request
/// timeout; once the lock is gone everything answers 200 again, each request its own row (the
/// cancelled query's late reply was drained from the connection, not read by the next request).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_pool_and_slow_queries_answer_503_promptly() {
    let db = TestDatabase::new(Backend::Postgres).await;
    let app = spawn_app_with(
        db,
        &[
            "--db-max-connections",
            "1",
            "--db-acquire-timeout-seconds",
            "0.5",
            "--request-timeout-seconds",
            "2",
        ],
    )
    .await;
    app.create("ball", 1).await;
    app.create("bat", 2).await;

    let lock = lock_products(&app).await;

    let started = Instant::now();
    let holder = tokio::spawn({
        let (client, url) = (app.client.clone(), app.url("/v1/products/ball"));
        async move { client.get(url).send().await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let queued = app.get("/v1/products/ball").await;
    let queued_after = started.elapsed();
    let problem = assert_problem(queued, 503).await;
    assert!(
        queued_after < Duration::from_millis(1500),
        "503 after {queued_after:?}"
    );
    assert!(problem["detail"].as_str().unwrap().contains("unavailable"));

    let held = holder.await.unwrap();
    let held_after = started.elapsed();
    assert_problem(held, 503).await;
    assert!(
        held_after < Duration::from_secs(4),
        "timed out after {held_after:?}"
    );

    lock.rollback().await.unwrap();
    let mut recovered = false;
    for _ in 0..20 {
        if app.get("/v1/products/ball").await.status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "answers 200 once the lock is released");
    for (name, quantity) in [("bat", 2), ("ball", 1), ("bat", 2)] {
        let product: Value = app
            .get(&format!("/v1/products/{name}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (product["name"].as_str(), product["quantity"].as_i64()),
            (Some(name), Some(quantity))
        );
    }
}

/// While a table lock holds its query: a request the request timeout answers is labelled with
/// its route, not `unmatched`, and one whose client went away is finished the same way, counted
/// once, and leaves nothing in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_and_timed_out_requests_keep_the_metrics_true() {
    let db = TestDatabase::new(Backend::Postgres).await;
    let app = spawn_app_with(db, &["--request-timeout-seconds", "1"]).await;
    app.create("ball", 1).await;
    let lock = lock_products(&app).await;

    let mut abandoned = TcpStream::connect(app.address).await.unwrap();
    abandoned
        .write_all(b"GET /v1/products/ball HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(abandoned);
    assert_problem(app.get("/v1/products/ball").await, 503).await;
    lock.rollback().await.unwrap();

    let text = app.metrics_text().await;
    let series = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse::<f64>().ok())
    };
    assert_eq!(
        series("http_server_requests_in_flight "),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        series(
            r#"http_server_requests_total{method="GET",route="/v1/products/{name}",status="503"}"#
        ),
        Some(2.0),
        "the abandoned request and the one answered: {text}"
    );
    assert_eq!(
        series(r#"http_server_requests_total{method="GET",route="unmatched",status="503"}"#),
        None,
        "{text}"
    );
}
