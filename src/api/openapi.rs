//! The OpenAPI document: generated from the handlers, then completed with what poem-openapi
//! cannot express (a nullable field, links between operations).

use poem_openapi::{OpenApiService, Tags};
use serde_json::{Value, json};

use super::health::HealthApi;
use super::legacy::LegacyApi;
use super::v1::V1Api;

#[derive(Tags)]
pub enum ApiTags {
    /// The product inventory.
    Products,
    /// The original Go service's routes, kept for its clients. Prefer `/v1`.
    SeedCompatible,
    /// Health checks for load balancers and orchestrators.
    Operations,
}

pub type Apis = (V1Api, LegacyApi, HealthApi);

pub fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (V1Api, LegacyApi, HealthApi),
        "products-api",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Product inventory. Errors are `application/problem+json` (RFC 9457). \
             Product names sort in Unicode code-point order.",
    )
}

/// The document as served at `/openapi.json` and committed as `openapi/openapi.json`.
pub fn document(service: &OpenApiService<Apis, ()>) -> Value {
    let mut document: Value =
        serde_json::from_str(&service.spec()).expect("poem-openapi writes valid JSON");
    mark_next_after_nullable(&mut document);
    link_created_product(&mut document);
    document
}

/// `next_after` is always present, and null on the last page (poem-openapi#701: no `nullable`).
fn mark_next_after_nullable(document: &mut Value) {
    let page = &mut document["components"]["schemas"]["ProductPage"];
    page["properties"]["next_after"]["nullable"] = Value::Bool(true);
    if let Some(required) = page["required"].as_array_mut() {
        required.push(json!("next_after"));
    }
}

/// Links from a created product to the operations on it, so clients and stateful testers can
/// follow `POST /v1/products` with get/put/delete/adjust of the same name.
fn link_created_product(document: &mut Value) {
    let created = &mut document["paths"]["/v1/products"]["post"]["responses"]["201"];
    let links: serde_json::Map<String, Value> = [
        ("GetProduct", "getProduct"),
        ("PutProduct", "putProduct"),
        ("DeleteProduct", "deleteProduct"),
        ("AdjustProduct", "adjustProduct"),
    ]
    .into_iter()
    .map(|(link, operation)| {
        (
            link.to_owned(),
            json!({
                "operationId": operation,
                "parameters": {"name": "$response.body#/name"},
            }),
        )
    })
    .collect();
    created["links"] = Value::Object(links);
}

/// Swagger UI (assets embedded in the binary) showing `document`.
pub fn swagger_ui_html(service: &OpenApiService<Apis, ()>, document: &Value) -> String {
    service
        .swagger_ui_html()
        .replacen(&service.spec(), &document.to_string(), 1)
}
