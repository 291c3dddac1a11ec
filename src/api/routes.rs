//! The operations the OpenAPI document declares, by path template, for answers the router
//! cannot give by itself (`Allow` on 405).

use std::collections::HashMap;

use poem::PathPattern;
use poem::Response;
use poem::http::Method;
use poem_openapi::OperationId;

use crate::telemetry::http::RouteLabel;

/// Routes served beside the operations, labelled by their own path.
const STATIC_ROUTES: [&str; 2] = ["/openapi.json", "/docs"];
use serde_json::Value;

/// Path templates (`/v1/products/{name}`), the methods each accepts, and which template each
/// operation id belongs to.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<Method>)>,
    operations: HashMap<String, String>,
}

impl RouteTable {
    pub fn from_document(document: &Value) -> Self {
        let paths = document["paths"].as_object().cloned().unwrap_or_default();
        let routes = paths
            .iter()
            .map(|(template, operations)| {
                let mut methods: Vec<Method> = operations
                    .as_object()
                    .into_iter()
                    .flat_map(|ops| ops.keys())
                    .filter_map(|m| m.to_ascii_uppercase().parse().ok())
                    .collect();
                if methods.contains(&Method::GET) {
                    methods.push(Method::HEAD);
                }
                (segments(template).map(str::to_owned).collect(), methods)
            })
            .collect();
        let operations = paths
            .iter()
            .flat_map(|(template, operations)| {
                operations.as_object().into_iter().flat_map(move |ops| {
                    ops.values().filter_map(move |op| {
                        let id = op["operationId"].as_str()?;
                        Some((id.to_owned(), template.clone()))
                    })
                })
            })
            .collect();
        Self { routes, operations }
    }

    /// The methods allowed on `path`, if a template matches it.
    pub fn allowed_methods(&self, path: &str) -> Option<&[Method]> {
        let requested: Vec<&str> = segments(path).collect();
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == requested.len()
                    && template.iter().zip(&requested).all(|(t, r)| {
                        t == r || (t.starts_with('{') && t.ends_with('}') && !r.is_empty())
                    })
            })
            .map(|(_, methods)| methods.as_slice())
    }
}

impl RouteLabel for RouteTable {
    fn route_of(&self, response: &Response) -> Option<&str> {
        if let Some(operation) = response.data::<OperationId>() {
            return self.operations.get(operation.0).map(String::as_str);
        }
        let pattern = response.data::<PathPattern>()?;
        STATIC_ROUTES
            .into_iter()
            .find(|route| *route == &*pattern.0)
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').skip(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_templates_segment_by_segment() {
        let doc = serde_json::json!({"paths": {
            "/v1/products/{name}": {"get": {}, "put": {}},
            "/": {"get": {}},
        }});
        let table = RouteTable::from_document(&doc);
        assert_eq!(
            table.allowed_methods("/v1/products/a%2Fb"),
            Some(&[Method::GET, Method::PUT, Method::HEAD][..])
        );
        assert_eq!(
            table.allowed_methods("/"),
            Some(&[Method::GET, Method::HEAD][..])
        );
        assert_eq!(table.allowed_methods("/v1/products/a/b"), None);
        assert_eq!(table.allowed_methods("/v1/products/"), None);
    }
}
