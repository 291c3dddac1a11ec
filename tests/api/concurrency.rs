//! Atomic adjustments under concurrency.

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

async fn hundred_increments(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create("hot", 0).await;
    let responses = join_all((0..100).map(|_| {
        app.send_json(
            Method::POST,
            "/v1/products/hot/adjustments",
            json!({"delta": 1}),
        )
    }))
    .await;
    for response in responses {
        assert_eq!(response.status(), 200);
    }
    let product: Value = app.get("/v1/products/hot").await.json().await.unwrap();
    assert_eq!(product["quantity"], 100);
    assert_eq!(product["version"], 101);
}
both!(
    a_hundred_concurrent_increments_add_exactly_a_hundred,
    hundred_increments
);
