//! The HTTP layer: poem-openapi handlers, their request/response shapes, and the middleware
//! around them. Handlers parse input into domain types and call the store; nothing here is SQL.

mod body;
mod conditional;
mod health;
mod idempotency;
mod json;
mod legacy;
mod middleware;
mod openapi;
pub mod problem;
pub mod routes;
mod schema;
mod v1;

use std::time::Duration;

use poem::endpoint::make_sync;
use poem::web::Html;
use poem::{Endpoint, EndpointExt, Response, Route, get};

use self::openapi::ApiTags;
pub use self::openapi::{document, service};
use crate::shutdown::Shutdown;
use crate::store::Store;
use crate::telemetry::metrics::Metrics;

/// The OpenAPI document as pretty JSON (what `products-api openapi` prints).
pub fn document_text() -> String {
    pretty(&document(&service()))
}

fn pretty(document: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(document).expect("JSON serializes");
    text.push('\n');
    text
}

/// Everything the API listener serves, and the route table that labels its requests.
pub fn endpoint(
    store: Store,
    metrics: Metrics,
    request_timeout: Duration,
    shutdown: Shutdown,
) -> (impl Endpoint<Output = Response>, routes::RouteTable) {
    let service = service();
    let document = document(&service);
    let routes = routes::RouteTable::from_document(&document);
    let swagger = openapi::swagger_ui_html(&service, &document);
    let document_text = pretty(&document);
    let endpoint = Route::new()
        .nest("/", service)
        .at(
            "/openapi.json",
            get(make_sync(move |_| {
                Response::builder()
                    .content_type("application/json")
                    .body(document_text.clone())
            })),
        )
        .at("/docs", get(make_sync(move |_| Html(swagger.clone()))))
        .data(store)
        .data(metrics)
        .with(middleware::BodyLimit)
        .with(middleware::RequestTimeout(request_timeout))
        .with(middleware::ProblemErrors(routes.clone()))
        .with(middleware::CloseWhenDraining(shutdown));
    (endpoint, routes)
}
