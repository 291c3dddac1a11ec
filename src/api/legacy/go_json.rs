//! Responses byte-for-byte as Go's `json.NewEncoder(w).Encode(v)` wrote them: struct field
//! order, `<`, `>`, `&`, U+2028 and U+2029 escaped, and a trailing newline.

use poem::http::{HeaderValue, header};
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::Serialize;

pub struct GoJson<T>(pub T);

/// Encodes `value` as Go's `json.Encoder` does.
pub fn encode<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).expect("plain data always serializes");
    let mut out = String::with_capacity(json.len() + 1);
    // These characters can only occur inside JSON strings, so replacing them is safe.
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

impl<T: Type + Send> Payload for GoJson<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Serialize + Send> IntoResponse for GoJson<T> {
    fn into_response(self) -> Response {
        let mut response = Response::builder().body(encode(&self.0));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

impl<T: Type + Serialize + Send> ApiResponse for GoJson<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: Self::CONTENT_TYPE,
                    schema: Self::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct P {
        #[serde(rename = "Name")]
        name: &'static str,
        quantity: i64,
    }

    #[test]
    fn matches_go_encoder_output() {
        assert_eq!(
            encode(&P {
                name: "ball",
                quantity: 4
            }),
            "{\"Name\":\"ball\",\"quantity\":4}\n"
        );
        assert_eq!(
            encode(&P {
                name: "a<b>&c",
                quantity: 0
            }),
            "{\"Name\":\"a\\u003cb\\u003e\\u0026c\",\"quantity\":0}\n"
        );
        assert_eq!(encode(&Vec::<P>::new()), "[]\n");
    }
}
