//! The original Go service's API and its README transcript.

use reqwest::Method;

use crate::both;
use crate::helpers::*;

/// The transcript from the original project, with curl's `-d` content type, byte for byte.
async fn transcript(backend: Backend) {
    let app = spawn_app(backend).await;
    let curl = |method: Method, path: &str, body: Option<&'static str>| {
        let mut request = app
            .request(method, path)
            .header("user-agent", "curl/8.5.0")
            .header("accept", "*/*");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        async move {
            let response = request.send().await.expect("request");
            (
                response.status().as_u16(),
                response.text().await.expect("body"),
            )
        }
    };
    let steps: [(Method, &str, Option<&'static str>, &str); 5] = [
        (
            Method::POST,
            "/product",
            Some(r#"{"Name":"ball","quantity":4}"#),
            "{\"Name\":\"ball\",\"quantity\":4}\n",
        ),
        (
            Method::POST,
            "/product",
            Some(r#"{"Name":"oranges","quantity":2}"#),
            "{\"Name\":\"oranges\",\"quantity\":2}\n",
        ),
        (
            Method::GET,
            "/product?name=oranges",
            None,
            "{\"Name\":\"oranges\",\"quantity\":2}\n",
        ),
        (
            Method::PUT,
            "/product",
            Some(r#"{"Name":"ball","quantity":5}"#),
            "{\"Name\":\"ball\",\"quantity\":5}\n",
        ),
        (
            Method::DELETE,
            "/product",
            Some(r#"{"Name":"ball","quantity":5}"#),
            "{\"Name\":\"ball\",\"quantity\":5}\n",
        ),
    ];
    for (method, path, body, expected) in steps {
        let (status, text) = curl(method.clone(), path, body).await;
        assert_eq!((status, text.as_str()), (200, expected), "{method} {path}");
    }
    let (status, text) = curl(Method::GET, "/products", None).await;
    assert_eq!(
        (status, text.as_str()),
        (200, "[{\"Name\":\"oranges\",\"quantity\":2}]\n")
    );
}
both!(the_original_transcript_works_unchanged, transcript);

async fn greeting_and_empty_list(backend: Backend) {
    let app = spawn_app(backend).await;
    let hello = app.get("/").await;
    assert_eq!(hello.status(), 200);
    assert!(
        hello.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(hello.text().await.unwrap().starts_with("Hello World!!"));
    let head = app.request(Method::HEAD, "/").send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(app.get("/products").await.text().await.unwrap(), "[]\n");
}
both!(
    greeting_and_empty_list_are_as_before,
    greeting_and_empty_list
);

async fn legacy_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let form = |method: Method, body: &'static str| {
        app.request(method, "/product")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    assert_problem(app.get("/product").await, 400).await;
    let empty = assert_problem(app.get("/product?name=").await, 422).await;
    assert!(empty.to_string().contains("must not be empty"), "{empty}");
    assert_problem(app.get("/product?name=nothing").await, 404).await;
    assert_eq!(
        form(Method::POST, r#"{"name":"ball"}"#)
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "{\"Name\":\"ball\",\"quantity\":0}\n",
        "lower-case key accepted, missing quantity is 0"
    );
    let refusals: [(Method, &'static str, u16); 6] = [
        (Method::POST, r#"{"Name":"ball","quantity":1}"#, 409),
        (Method::PUT, r#"{"Name":"nothing","quantity":1}"#, 404),
        (Method::DELETE, r#"{"Name":"nothing"}"#, 404),
        (Method::POST, r#"{"Name":"x","quantity":"4"}"#, 400),
        (Method::POST, r#"{"Name":"x","quantity":-4}"#, 422),
        (Method::POST, r#"{"quantity":4}"#, 422),
    ];
    for (method, body, status) in refusals {
        assert_problem(form(method, body).await.unwrap(), status).await;
    }
    assert_problem(form(Method::POST, "not json").await.unwrap(), 400).await;
    assert_eq!(
        app.get("/products").await.text().await.unwrap(),
        "[{\"Name\":\"ball\",\"quantity\":0}]\n"
    );
}
both!(
    legacy_failures_are_reported_and_change_nothing,
    legacy_errors
);
