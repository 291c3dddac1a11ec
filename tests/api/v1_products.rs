//! Every row of the v1 table, with its errors and conditional requests.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

async fn create_get_list(backend: Backend) {
    let app = spawn_app(backend).await;
    let created = app.create("ball", 4).await;
    assert_eq!(created.headers()["location"], "/v1/products/ball");
    assert_eq!(created.headers()["etag"], "\"1\"");
    let body: Value = created.json().await.unwrap();
    assert_eq!(
        (
            body["name"].as_str(),
            body["quantity"].as_i64(),
            body["version"].as_i64()
        ),
        (Some("ball"), Some(4), Some(1))
    );
    assert_eq!(body["created_at"], body["updated_at"]);
    assert!(chrono::DateTime::parse_from_rfc3339(body["created_at"].as_str().unwrap()).is_ok());

    let got = app.get("/v1/products/ball").await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["etag"], "\"1\"");
    assert_eq!(got.json::<Value>().await.unwrap(), body);

    assert_problem(
        app.send_json(
            Method::POST,
            "/v1/products",
            json!({"name": "ball", "quantity": 9}),
        )
        .await,
        409,
    )
    .await;
    assert_problem(app.get("/v1/products/nothing").await, 404).await;

    let page: Value = app.get("/v1/products").await.json().await.unwrap();
    assert_eq!(page, json!({"items": [body], "next_after": null}));
}
both!(create_get_and_list, create_get_list);

async fn conditional_get(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create("ball", 4).await;
    for tag in ["\"1\"", "W/\"1\"", "\"7\", \"1\"", "*"] {
        let response = app
            .request(Method::GET, "/v1/products/ball")
            .header("if-none-match", tag)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 304, "If-None-Match: {tag}");
        assert_eq!(response.headers()["etag"], "\"1\"");
        assert!(response.bytes().await.unwrap().is_empty());
    }
    let response = app
        .request(Method::GET, "/v1/products/ball")
        .header("if-none-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
both!(get_honours_if_none_match, conditional_get);

async fn put_semantics(backend: Backend) {
    let app = spawn_app(backend).await;
    let put =
        |name: &'static str, quantity: i64, headers: &'static [(&'static str, &'static str)]| {
            let mut request = app
                .request(Method::PUT, &format!("/v1/products/{name}"))
                .json(&json!({"quantity": quantity}));
            for (key, value) in headers {
                request = request.header(*key, *value);
            }
            request.send()
        };
    // If-Match on a missing product: 412 and nothing is created.
    assert_problem(put("ball", 1, &[("if-match", "*")]).await.unwrap(), 412).await;
    assert_problem(put("ball", 1, &[("if-match", "\"1\"")]).await.unwrap(), 412).await;
    assert_problem(app.get("/v1/products/ball").await, 404).await;
    // Upsert creates with 201, Location and ETag.
    let created = put("ball", 3, &[]).await.unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(created.headers()["location"], "/v1/products/ball");
    assert_eq!(created.headers()["etag"], "\"1\"");
    // If-None-Match: * refuses to overwrite.
    assert_problem(
        put("ball", 9, &[("if-none-match", "*")]).await.unwrap(),
        412,
    )
    .await;
    // Replace: 200 and version +1.
    let replaced = put("ball", 5, &[]).await.unwrap();
    assert_eq!(replaced.status(), 200);
    assert_eq!(replaced.headers()["etag"], "\"2\"");
    // A stale tag fails and changes nothing; the current one succeeds.
    assert_problem(put("ball", 7, &[("if-match", "\"1\"")]).await.unwrap(), 412).await;
    assert_problem(
        put("ball", 7, &[("if-match", "W/\"2\"")]).await.unwrap(),
        412,
    )
    .await;
    let matched = put("ball", 7, &[("if-match", "\"2\"")]).await.unwrap();
    assert_eq!(matched.status(), 200);
    let body: Value = matched.json().await.unwrap();
    assert_eq!(
        (body["quantity"].as_i64(), body["version"].as_i64()),
        (Some(7), Some(3))
    );
    assert_ne!(body["created_at"], body["updated_at"]);
    // If-None-Match with the current tag: 412.
    assert_problem(
        put("ball", 8, &[("if-none-match", "\"3\"")]).await.unwrap(),
        412,
    )
    .await;
    let now: Value = app.get("/v1/products/ball").await.json().await.unwrap();
    assert_eq!(now["quantity"], 7);
}
both!(
    put_creates_replaces_and_honours_preconditions,
    put_semantics
);

async fn delete_semantics(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create("ball", 4).await;
    let delete = |tag: Option<&'static str>| {
        let mut request = app.request(Method::DELETE, "/v1/products/ball");
        if let Some(tag) = tag {
            request = request.header("if-match", tag);
        }
        request.send()
    };
    assert_problem(delete(Some("\"9\"")).await.unwrap(), 412).await;
    assert_eq!(
        app.get("/v1/products/ball").await.status(),
        200,
        "a failed precondition deletes nothing"
    );
    let deleted = delete(Some("\"1\"")).await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert!(deleted.bytes().await.unwrap().is_empty());
    assert_problem(delete(None).await.unwrap(), 404).await;
    assert_problem(app.get("/v1/products/ball").await, 404).await;
}
both!(delete_removes_and_honours_if_match, delete_semantics);

async fn adjustments(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create("ball", 4).await;
    let adjust = |delta: Value| {
        app.send_json(
            Method::POST,
            "/v1/products/ball/adjustments",
            json!({"delta": delta}),
        )
    };
    let adjusted = adjust(json!(-3)).await;
    assert_eq!(adjusted.status(), 200);
    assert_eq!(adjusted.headers()["etag"], "\"2\"");
    let body: Value = adjusted.json().await.unwrap();
    assert_eq!(
        (body["quantity"].as_i64(), body["version"].as_i64()),
        (Some(1), Some(2))
    );

    let detail = assert_problem(adjust(json!(-2)).await, 409).await;
    assert!(
        detail["detail"]
            .as_str()
            .unwrap()
            .contains("nothing was changed")
    );
    let detail = assert_problem(adjust(json!(0)).await, 422).await;
    assert!(detail["detail"].as_str().unwrap().starts_with("delta"));
    assert_problem(adjust(json!(2147483648i64)).await, 422).await;
    assert_problem(adjust(json!(-2147483648i64)).await, 422).await;
    assert_problem(adjust(json!(2147483647)).await, 409).await;
    assert_problem(adjust(json!("1")).await, 400).await;
    assert_problem(
        app.send_json(
            Method::POST,
            "/v1/products/nothing/adjustments",
            json!({"delta": 1}),
        )
        .await,
        404,
    )
    .await;
    let now: Value = app.get("/v1/products/ball").await.json().await.unwrap();
    assert_eq!(
        (now["quantity"].as_i64(), now["version"].as_i64()),
        (Some(1), Some(2)),
        "refusals change nothing"
    );

    let to_max = adjust(json!(2147483646)).await;
    assert_eq!(
        to_max.json::<Value>().await.unwrap()["quantity"],
        2147483647i64
    );
}
both!(adjustments_apply_or_refuse_whole, adjustments);

async fn awkward_names(backend: Backend) {
    let app = spawn_app(backend).await;
    let long = "é".repeat(128);
    let names = [
        "a/b",
        "100% cotton",
        "what?#x",
        "two  inner  spaces",
        "🎈 party",
        "..a",
        "a+b",
        long.as_str(),
    ];
    for name in names {
        let created = app.create(name, 1).await;
        let location = created.headers()["location"].to_str().unwrap().to_owned();
        let got = app.get(&location).await;
        assert_eq!(got.status(), 200, "{name:?} at {location}");
        assert_eq!(got.json::<Value>().await.unwrap()["name"], name);
        let adjusted = app
            .send_json(
                Method::POST,
                &format!("{location}/adjustments"),
                json!({"delta": 1}),
            )
            .await;
        assert_eq!(adjusted.status(), 200, "adjust {name:?}");
        assert_eq!(
            app.request(Method::DELETE, &location)
                .send()
                .await
                .unwrap()
                .status(),
            204,
            "delete {name:?}"
        );
    }
    assert!(app.all_names().await.is_empty());
}
both!(
    names_with_reserved_and_non_ascii_characters_round_trip,
    awkward_names
);
