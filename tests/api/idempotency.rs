//! `Idempotency-Key` makes retries of creates and adjustments safe.

use futures::future::join_all;
use reqwest::Method;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

async fn keyed(app: &TestApp, path: &str, key: &str, body: Value) -> reqwest::Response {
    app.request(Method::POST, path)
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn retried_create(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = keyed(
        &app,
        "/v1/products",
        "create-ball-1",
        json!({"name": "ball", "quantity": 4}),
    )
    .await;
    assert_eq!(first.status(), 201);
    let (location, etag) = (
        first.headers()["location"].clone(),
        first.headers()["etag"].clone(),
    );
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_body = first.text().await.unwrap();

    let retry = keyed(
        &app,
        "/v1/products",
        "create-ball-1",
        json!({"name": "ball", "quantity": 4}),
    )
    .await;
    assert_eq!(retry.status(), 201, "the first response again, not 409");
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(
        (
            retry.headers()["location"].clone(),
            retry.headers()["etag"].clone()
        ),
        (location, etag)
    );
    assert_eq!(retry.text().await.unwrap(), first_body);
    let product: Value = app.get("/v1/products/ball").await.json().await.unwrap();
    assert_eq!(product["version"], 1, "created once");

    let other = keyed(
        &app,
        "/v1/products",
        "create-ball-1",
        json!({"name": "ball", "quantity": 5}),
    )
    .await;
    let problem = assert_problem(other, 422).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );

    // A refusal is kept too: the retry gets the same 409.
    let conflict = keyed(
        &app,
        "/v1/products",
        "create-ball-2",
        json!({"name": "ball", "quantity": 1}),
    )
    .await;
    assert_problem(conflict, 409).await;
    let again = keyed(
        &app,
        "/v1/products",
        "create-ball-2",
        json!({"name": "ball", "quantity": 1}),
    )
    .await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_problem(again, 409).await;

    for bad in ["", &"k".repeat(256), "spaces are not visible"] {
        let response = app
            .request(Method::POST, "/v1/products")
            .header("idempotency-key", bad)
            .json(&json!({"name": "x", "quantity": 1}))
            .send()
            .await
            .unwrap();
        assert_problem(response, 400).await;
    }
    assert_eq!(app.all_names().await, ["ball"]);
}
both!(
    a_retried_create_returns_the_first_response_and_creates_once,
    retried_create
);

async fn retried_adjustments(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create("hot", 0).await;
    let path = "/v1/products/hot/adjustments";
    let responses =
        join_all((0..10).map(|_| keyed(&app, path, "adjust-1", json!({"delta": 1})))).await;
    let mut bodies = Vec::new();
    for response in responses {
        assert_eq!(response.status(), 200);
        bodies.push(response.text().await.unwrap());
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every retry sees the first response: {bodies:#?}"
    );
    let product: Value = app.get("/v1/products/hot").await.json().await.unwrap();
    assert_eq!(
        product["quantity"], 1,
        "ten concurrent retries applied once"
    );

    let next = keyed(&app, path, "adjust-2", json!({"delta": 1})).await;
    assert_eq!(next.status(), 200, "a new key is a new adjustment");
    let same_key_other_path = keyed(
        &app,
        "/v1/products",
        "adjust-2",
        json!({"name": "y", "quantity": 1}),
    )
    .await;
    assert_problem(same_key_other_path, 422).await;
    let product: Value = app.get("/v1/products/hot").await.json().await.unwrap();
    assert_eq!(product["quantity"], 2);
    assert_eq!(
        app.all_names().await,
        ["hot"],
        "the refused create made nothing"
    );
}
both!(
    retried_adjustments_apply_once_even_concurrently,
    retried_adjustments
);

/// Any body bytes may come with a key, a NUL or invalid UTF-8 included: the answer is the
/// usual 400, kept and replayed like any other, and never a database error (found by
/// schemathesis: a `\0` body with a key was a 500 on PostgreSQL).
async fn keyed_raw_bodies(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create("raw", 1).await;
    let send = |key: &'static str, body: &'static [u8]| {
        app.request(Method::POST, "/v1/products/raw/adjustments")
            .header("idempotency-key", key)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (key, body) in [("nul", &b"\0"[..]), ("ff", b"\xff"), ("fe", b"\xfe")] {
        let first = send(key, body).await.unwrap();
        assert_problem(first, 400).await;
        let retry = send(key, body).await.unwrap();
        assert_eq!(retry.headers()["idempotent-replayed"], "true", "{key}");
        assert_problem(retry, 400).await;
    }
    // Two bodies that differ only in invalid UTF-8 are different requests.
    let other = send("ff", b"\xfe").await.unwrap();
    assert_problem(other, 422).await;
    let product: Value = app.get("/v1/products/raw").await.json().await.unwrap();
    assert_eq!(product["version"], 1, "nothing was applied");
}
both!(keyed_requests_may_carry_any_bytes, keyed_raw_bodies);

/// Keys past their 24 hours are deleted by the service (at start, then every ten minutes), not
/// only when the same key comes back; keys still within them stay.
async fn expired_keys_purged(backend: Backend) {
    let app = spawn_app(backend).await;
    let fresh = keyed(
        &app,
        "/v1/products",
        "fresh",
        json!({"name": "a", "quantity": 1}),
    )
    .await;
    assert_eq!(fresh.status(), 201);
    let conn = app.db.connect().await;
    let placeholder = match backend {
        Backend::Postgres => "$1",
        Backend::Sqlite => "?",
    };
    conn.execute_raw(Statement::from_sql_and_values(
        conn.get_database_backend(),
        format!(
            "INSERT INTO idempotency_keys (idempotency_key, request, created_at) \
             VALUES ('stale', 'POST /v1/products', {placeholder})"
        ),
        [(chrono::Utc::now() - chrono::Duration::hours(25)).into()],
    ))
    .await
    .unwrap();
    let keys = || async {
        let conn = conn.clone();
        conn.query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT idempotency_key FROM idempotency_keys ORDER BY idempotency_key",
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect::<Vec<_>>()
    };
    assert_eq!(keys().await, ["fresh", "stale"]);

    let restarted = spawn_app_with(app.stop().await, &[]).await;
    let mut remaining = keys().await;
    for _ in 0..50 {
        if remaining == ["fresh"] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        remaining = keys().await;
    }
    assert_eq!(
        remaining,
        ["fresh"],
        "the expired key is gone, the fresh one kept"
    );
    drop(restarted);
}
both!(expired_keys_are_purged_by_the_service, expired_keys_purged);
