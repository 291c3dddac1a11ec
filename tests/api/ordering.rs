//! Lists in Unicode code-point order, across pages, whatever the database's collation.

use serde_json::Value;

use crate::both;
use crate::helpers::*;

async fn code_point_order(backend: Backend) {
    let app = spawn_app(backend).await;
    // A locale collation (the PostgreSQL test databases use ICU en-US) would order these
    // a, B, b, é, Z, … ; code-point order puts upper case first and accents last.
    let names = [
        "b", "B", "a", "Z", "é", "e", "_x", "10", "9", "🎈", "ä", "a b", "ab", "z",
    ];
    for name in names {
        app.create(name, 1).await;
    }
    let mut expected: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    expected.sort(); // Rust's str order is byte order of UTF-8 = code-point order.

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            None => "/v1/products?limit=4".to_owned(),
            Some(a) => format!("/v1/products?limit=4&after={}", urlencode(a)),
        };
        let page: Value = app.get(&path).await.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 4);
        seen.extend(items.iter().map(|p| p["name"].as_str().unwrap().to_owned()));
        match page["next_after"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => {
                assert!(items.len() < 4, "next_after is null only on a short page");
                break;
            }
        }
    }
    assert_eq!(seen, expected);
    // The seed-compatible list uses the same order.
    let legacy: Vec<Value> = app.get("/products").await.json().await.unwrap();
    let legacy: Vec<&str> = legacy.iter().map(|p| p["Name"].as_str().unwrap()).collect();
    assert_eq!(legacy, expected);
    // `after` need not exist.
    let page: Value = app
        .get("/v1/products?limit=2&after=aa")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["name"], "ab");
}
both!(lists_are_in_code_point_order_across_pages, code_point_order);

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `after` is any string, even one no name could be: a NUL (which PostgreSQL text cannot
/// hold) pages exactly as code-point order says, instead of failing (found by schemathesis).
async fn after_with_a_nul(backend: Backend) {
    let app = spawn_app(backend).await;
    for name in ["a", "a b", "ab", "b"] {
        app.create(name, 1).await;
    }
    for (after, expected) in [
        ("a%00b", &["a b", "ab", "b"][..]),
        ("%00", &["a", "a b", "ab", "b"][..]),
        ("ab%00%01", &["b"][..]),
    ] {
        let response = app.get(&format!("/v1/products?after={after}")).await;
        assert_eq!(response.status(), 200, "after={after}");
        let page: Value = response.json().await.unwrap();
        let names: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, expected, "after={after}");
    }
}

both!(after_may_hold_a_nul, after_with_a_nul);
