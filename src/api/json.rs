//! JSON response bodies serialised straight from the value's serde `Serialize`.
//!
//! poem-openapi's own `Json` payload first turns the value into a `serde_json::Value` tree
//! through `ToJSON` (an owned key per field, a `String` per name and timestamp), then
//! serialises the tree and frees it: about 5k instructions of a read's 118k
//! (docs/performance.md). The OpenAPI document still describes the body by `T`'s poem-openapi
//! `Type`, so `T` derives both, with the same field names.

use poem::{IntoResponse, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::Serialize;

pub struct Json<T>(pub T);

impl<T: Type + Send> Payload for Json<T> {
    /// What poem-openapi's `Json` declares, and what poem's sends.
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Serialize + Send> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        poem::web::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::{Example, ToJSON};

    use super::super::schema::{Health, ProductPage, ProductView};

    /// serde writes the same fields and values as poem-openapi's `ToJSON`, which the OpenAPI
    /// document is derived from (key order aside: `ToJSON` sorts keys, serde keeps the struct's).
    fn assert_same_json<T: ToJSON + serde::Serialize>(value: &T) {
        let serde = serde_json::to_value(value).expect("serialises");
        assert_eq!(Some(serde), value.to_json());
    }

    #[test]
    fn serde_bodies_are_the_documented_ones() {
        assert_same_json(&ProductView::example());
        assert_same_json(&ProductPage::example());
        assert_same_json(&ProductPage {
            items: vec![],
            next_after: Some("ball".to_owned()),
        });
        assert_same_json(&Health {
            status: "ok".to_owned(),
        });
    }
}
