//! Health, readiness, routing errors, the metrics listener and the documentation endpoints.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

async fn health(backend: Backend) {
    let app = spawn_app(backend).await;
    let healthz = app.get("/healthz").await;
    assert_eq!(healthz.status(), 200);
    assert_eq!(
        healthz.json::<Value>().await.unwrap(),
        json!({"status": "ok"})
    );
    assert_eq!(app.get("/readyz").await.status(), 200);
}
both!(healthz_and_readyz_answer_ok, health);

#[tokio::test]
async fn readyz_is_503_while_migrations_are_pending_and_healthz_stays_200() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let app = spawn_app_with(db, &["--migrate-on-start", "false"]).await;
    assert_problem(app.get("/readyz").await, 503).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_are_problems() {
    let app = spawn_app(Backend::Sqlite).await;
    assert_problem(app.get("/nope").await, 404).await;
    assert_problem(app.get("/v1/products/a/b").await, 404).await;
    let wrong = app
        .request(Method::PATCH, "/v1/products/ball")
        .send()
        .await
        .unwrap();
    let allow = wrong.headers()["allow"].to_str().unwrap().to_owned();
    assert_problem(wrong, 405).await;
    let mut allowed: Vec<&str> = allow.split(", ").collect();
    allowed.sort();
    assert_eq!(allowed, ["DELETE", "GET", "HEAD", "PUT"]);
    let wrong = app
        .request(Method::DELETE, "/products")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.headers()["allow"], "GET, HEAD");
    assert_problem(wrong, 405).await;
    for path in ["/openapi.json", "/docs"] {
        let wrong = app.request(Method::POST, path).send().await.unwrap();
        assert_eq!(wrong.headers()["allow"], "GET, HEAD", "{path}");
        assert_problem(wrong, 405).await;
    }
}

#[tokio::test]
async fn metrics_are_on_their_own_listener_only() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create("ball", 1).await;
    assert_problem(app.get("/metrics").await, 404).await;
    let text = app.metrics_text().await;
    assert!(
        text.contains(
            r#"http_server_requests_total{method="POST",route="/v1/products",status="201"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"db_pool_connections{state="idle"}"#));
}

#[tokio::test]
async fn the_served_document_is_the_committed_one_and_swagger_ui_shows_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let served: Value = app.get("/openapi.json").await.json().await.unwrap();
    let committed: Value =
        serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    assert_eq!(served, committed);
    let docs = app.get("/docs").await;
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(html.contains("SwaggerUIBundle") && html.contains("createProduct"));
}
