//! The committed OpenAPI document is what the handlers generate.

const REGENERATE: &str = "cargo run --quiet -- openapi > openapi/openapi.json";

#[test]
fn committed_document_matches_the_handlers() {
    let generated = products_api::api::document_text();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        generated == committed,
        "openapi/openapi.json is out of date with the handlers; regenerate it with:\n    {REGENERATE}"
    );
}

#[test]
fn every_operation_is_documented() {
    let document: serde_json::Value =
        serde_json::from_str(&products_api::api::document_text()).unwrap();
    let mut ids = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has an operationId"));
            assert!(operation["summary"].is_string(), "{id} has a summary");
            let legacy = !path.starts_with("/v1") && !path.ends_with("z");
            assert_eq!(
                operation["deprecated"].as_bool().unwrap_or(false),
                legacy,
                "{id} deprecated"
            );
            let responses = operation["responses"].as_object().unwrap();
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{id} {status} is a problem"
                    );
                }
            }
            ids.push(id.to_owned());
        }
    }
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "operation ids are unique");
    assert_eq!(ids.len(), 14);
}
