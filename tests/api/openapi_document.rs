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

/// What generators need from the document: header names as HTTP spells them (generators copy
/// them into types), and one `ProductName` schema that every name parameter and body refers to
/// (so a generator writes one type, not one per operation).
#[test]
fn generators_get_one_name_type_and_spelled_headers() {
    let document: serde_json::Value =
        serde_json::from_str(&products_api::api::document_text()).unwrap();
    let name_ref = serde_json::json!({"$ref": "#/components/schemas/ProductName"});
    let mut header_names = std::collections::BTreeSet::new();
    let mut name_params = 0;
    for operations in document["paths"].as_object().unwrap().values() {
        for operation in operations.as_object().unwrap().values() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["name"] == "name" {
                    assert_eq!(parameter["schema"], name_ref, "{parameter}");
                    name_params += 1;
                }
            }
            for response in operation["responses"].as_object().unwrap().values() {
                if let Some(headers) = response["headers"].as_object() {
                    header_names.extend(headers.keys().cloned());
                }
            }
        }
    }
    assert_eq!(name_params, 5, "four v1 operations and the legacy GET");
    assert_eq!(
        header_names.into_iter().collect::<Vec<_>>(),
        ["ETag", "Location"]
    );
    let schemas = &document["components"]["schemas"];
    assert_eq!(schemas["NewProduct"]["properties"]["name"], name_ref);
    assert_eq!(schemas["ProductName"]["maxLength"], 128);
}
