//! Bad input gets a 4xx problem naming the field, and changes nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

async fn rejected_bodies(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create("ball", 4).await;
    let before: Value = app.get("/v1/products").await.json().await.unwrap();

    let raw = |method: Method, path: &'static str, body: &'static str| {
        app.request(method, path)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    // (body, status, field the detail must name)
    let creates: &[(&str, u16, &str)] = &[
        ("{", 400, "body"),
        ("[]", 400, "body"),
        (r#"{"name":"x"}"#, 400, "quantity"),
        (r#"{"quantity":1}"#, 400, "name"),
        (r#"{"name":"x","quantity":"1"}"#, 400, "quantity"),
        (r#"{"name":7,"quantity":1}"#, 400, "name"),
        (r#"{"name":"x","quantity":1.5}"#, 400, "quantity"),
        (r#"{"name":"x","quantity":-1}"#, 422, "quantity"),
        (r#"{"name":"x","quantity":2147483648}"#, 422, "quantity"),
        (
            r#"{"name":"x","quantity":99999999999999999999}"#,
            400,
            "quantity",
        ),
        (r#"{"name":"","quantity":1}"#, 422, "name"),
        (r#"{"name":" x","quantity":1}"#, 422, "name"),
        (r#"{"name":"x\u0000y","quantity":1}"#, 422, "name"),
        (r#"{"name":"x\ty","quantity":1}"#, 422, "name"),
        (r#"{"name":"..","quantity":1}"#, 422, "name"),
        (r#"{"name":"\ud800","quantity":1}"#, 400, "name"),
        (r#"{"name":"x","quantity":1} trailing"#, 400, "body"),
    ];
    for (body, status, field) in creates {
        let problem = assert_problem(
            raw(Method::POST, "/v1/products", body).await.unwrap(),
            *status,
        )
        .await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains(field),
            "{body}: detail {detail:?} should name {field}"
        );
    }
    let too_long = json!({"name": "x".repeat(129), "quantity": 1});
    assert_problem(
        app.send_json(Method::POST, "/v1/products", too_long).await,
        422,
    )
    .await;
    assert_problem(
        raw(Method::PUT, "/v1/products/ball", r#"{"quantity":-5}"#)
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_problem(
        raw(Method::PUT, "/v1/products/ball", r#"{}"#)
            .await
            .unwrap(),
        400,
    )
    .await;
    let no_type = app
        .request(Method::POST, "/v1/products")
        .body(r#"{"name":"x","quantity":1}"#)
        .send()
        .await
        .unwrap();
    assert_problem(no_type, 415).await;
    let wrong_type = app
        .request(Method::POST, "/v1/products")
        .header("content-type", "text/plain")
        .body(r#"{"name":"x","quantity":1}"#)
        .send()
        .await
        .unwrap();
    assert_problem(wrong_type, 415).await;
    for bad_limit in ["0", "1001", "x", "-1"] {
        let problem = assert_problem(
            app.get(&format!("/v1/products?limit={bad_limit}")).await,
            400,
        )
        .await;
        assert!(problem["detail"].as_str().unwrap().contains("limit"));
    }
    assert_problem(app.get("/v1/products/%20x").await, 422).await;

    let after: Value = app.get("/v1/products").await.json().await.unwrap();
    assert_eq!(before, after, "nothing changed");
}
both!(malformed_and_out_of_rule_input_is_refused, rejected_bodies);

async fn oversized(backend: Backend) {
    let app = spawn_app(backend).await;
    let big = format!(
        r#"{{"name":"x","quantity":1,"pad":"{}"}}"#,
        "a".repeat(70 * 1024)
    );
    let announced = app
        .request(Method::POST, "/v1/products")
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_problem(announced, 413).await;
    // Chunked: no Content-Length, the limit still holds.
    let chunks = futures::stream::iter(
        big.into_bytes()
            .chunks(4096)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let chunked = app
        .request(Method::POST, "/product")
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_problem(chunked, 413).await;
    assert!(app.all_names().await.is_empty());
}
both!(bodies_over_64_kib_are_refused, oversized);
