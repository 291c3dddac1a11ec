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
    mark_nullable(&mut document);
    state_exclusions(&mut document);
    link_created_product(&mut document);
    spell_response_headers(&mut document);
    document
}

/// Response header names as HTTP spells them: poem-openapi upper-cases them (`ETAG`), and
/// generators copy the name into the types they write (`headers: { ETAG: string }`).
fn spell_response_headers(document: &mut Value) {
    const SPELLINGS: [&str; 2] = ["ETag", "Location"];
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    let responses = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|operations| operations.values_mut())
        .filter_map(|operation| operation["responses"].as_object_mut())
        .flat_map(|responses| responses.values_mut());
    for response in responses {
        let Some(headers) = response.get_mut("headers").and_then(Value::as_object_mut) else {
            continue;
        };
        let renamed = std::mem::take(headers)
            .into_iter()
            .map(|(name, header)| {
                let spelled = SPELLINGS
                    .into_iter()
                    .find(|s| s.eq_ignore_ascii_case(&name))
                    .map_or(name, str::to_owned);
                (spelled, header)
            })
            .collect();
        *headers = renamed;
    }
}

/// What poem-openapi cannot say (poem-openapi#701: no `nullable`): `next_after` is always
/// present, and null on the last page; the seed-compatible bodies take `"quantity": null` as
/// "absent" (0), as the original's decoder did.
fn mark_nullable(document: &mut Value) {
    let schemas = &mut document["components"]["schemas"];
    let page = &mut schemas["ProductPage"];
    page["properties"]["next_after"]["nullable"] = Value::Bool(true);
    if let Some(required) = page["required"].as_array_mut() {
        required.push(json!("next_after"));
    }
    schemas["LegacyProductInput"]["properties"]["quantity"]["nullable"] = Value::Bool(true);
}

/// Rules poem-openapi's validators cannot state: an adjustment's `delta` is never 0.
fn state_exclusions(document: &mut Value) {
    document["components"]["schemas"]["Adjustment"]["properties"]["delta"]["not"] =
        json!({"enum": [0]});
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
