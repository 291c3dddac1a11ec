//! The routes the service answers, by path template: for answers the router cannot give by
//! itself (`Allow` on 405) and for the route label of every request.

use std::collections::HashMap;

use poem::http::Method;
use poem::{PathPattern, Response};
use poem_openapi::OperationId;
use serde_json::Value;

use crate::telemetry::http::RouteLabel;

/// Routes served beside the operations (GET only), labelled by their own path.
const STATIC_ROUTES: [&str; 2] = ["/openapi.json", "/docs"];

/// Path templates (`/v1/products/{name}`), the methods each accepts, and which template each
/// operation id belongs to.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
    operations: HashMap<String, String>,
}

#[derive(Debug, Clone)]
struct Route {
    template: String,
    methods: Vec<Method>,
}

impl RouteTable {
    pub fn from_document(document: &Value) -> Self {
        let paths = document["paths"].as_object().cloned().unwrap_or_default();
        let operation_routes = paths.iter().map(|(template, operations)| {
            let methods = operations
                .as_object()
                .into_iter()
                .flat_map(|ops| ops.keys())
                .filter_map(|m| m.to_ascii_uppercase().parse().ok())
                .collect();
            Route::new(template, methods)
        });
        let static_routes = STATIC_ROUTES
            .into_iter()
            .map(|path| Route::new(path, vec![Method::GET]));
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
        Self {
            routes: operation_routes.chain(static_routes).collect(),
            operations,
        }
    }

    /// The methods allowed on `path`, if a template matches it.
    pub fn allowed_methods(&self, path: &str) -> Option<&[Method]> {
        self.matching(path).map(|route| route.methods.as_slice())
    }

    fn matching(&self, path: &str) -> Option<&Route> {
        let requested: Vec<&str> = segments(path).collect();
        self.routes.iter().find(|route| {
            let template: Vec<&str> = segments(&route.template).collect();
            template.len() == requested.len()
                && template.iter().zip(&requested).all(|(t, r)| {
                    t == r || (t.starts_with('{') && t.ends_with('}') && !r.is_empty())
                })
        })
    }
}

impl Route {
    fn new(template: &str, mut methods: Vec<Method>) -> Self {
        if methods.contains(&Method::GET) {
            methods.push(Method::HEAD);
        }
        Self {
            template: template.to_owned(),
            methods,
        }
    }
}

/// The request's path, kept on a response that no operation gave (a timeout, a body too large,
/// a wrong method): its route is the template the path matches.
#[derive(Debug, Clone)]
pub struct RefusedPath(pub String);

impl RouteLabel for RouteTable {
    /// The template of the operation that answered, else of the route a refused path matches,
    /// else the static route that answered.
    fn route_of(&self, response: &Response) -> Option<&str> {
        if let Some(operation) = response.data::<OperationId>() {
            return self.operations.get(operation.0).map(String::as_str);
        }
        if let Some(refused) = response.data::<RefusedPath>() {
            return self
                .matching(&refused.0)
                .map(|route| route.template.as_str());
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
        assert_eq!(
            table.allowed_methods("/openapi.json"),
            Some(&[Method::GET, Method::HEAD][..])
        );
    }

    #[test]
    fn labels_by_operation_else_by_the_template_the_path_matches() {
        let doc = serde_json::json!({"paths": {
            "/v1/products/{name}": {"get": {"operationId": "getProduct"}},
        }});
        let table = RouteTable::from_document(&doc);
        let mut answered = Response::default();
        answered.set_data(OperationId("getProduct"));
        assert_eq!(table.route_of(&answered), Some("/v1/products/{name}"));
        let refused = |path: &str| {
            let mut response = Response::default();
            response.set_data(RefusedPath(path.to_owned()));
            response
        };
        assert_eq!(
            table.route_of(&refused("/v1/products/kite")),
            Some("/v1/products/{name}")
        );
        assert_eq!(table.route_of(&refused("/docs")), Some("/docs"));
        assert_eq!(table.route_of(&refused("/nowhere")), None);
        assert_eq!(table.route_of(&Response::default()), None);
    }
}
