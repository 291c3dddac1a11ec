//! `Idempotency-Key` on `POST /v1/products` and `POST …/adjustments`: a retry with the same key
//! and the same request gets the first response again (with `Idempotent-Replayed: true`) and is
//! not applied twice; the same key with another request is 422. Keys live 24 hours. 5xx
//! responses are not kept, so such a request can be retried for real.

use std::borrow::Cow;

use poem::http::{HeaderValue, StatusCode};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromParameter, ParseResult, Type};

use super::problem::ApiError;
use crate::store::Store;
use crate::store::idempotency::{Claim, StoredResponse};

pub const HEADER: &str = "Idempotency-Key";
const REPLAYED: &str = "Idempotent-Replayed";
/// Response headers worth replaying (the rest are recomputed per response).
const KEPT_HEADERS: [&str; 3] = ["content-type", "location", "etag"];

/// An `Idempotency-Key` value: 1–255 visible ASCII characters. The operations declare the header
/// with this type, so the OpenAPI document states the rule that `idempotent` (which runs before
/// the operation parses its parameters) enforces.
#[derive(Debug)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    const MAX_CHARS: usize = 255;
    /// The rule as a JSON Schema pattern: `!` to `~` are the visible ASCII characters.
    const PATTERN: &str = "^[!-~]+$";

    fn parse(key: &str) -> Result<Self, ApiError> {
        let visible = key.bytes().all(|b| b.is_ascii_graphic());
        if key.is_empty() || key.len() > Self::MAX_CHARS || !visible {
            return Err(ApiError::BadRequest(format!(
                "{HEADER}: must be 1–{} visible ASCII characters",
                Self::MAX_CHARS
            )));
        }
        Ok(Self(key.to_owned()))
    }

    fn from_header(value: &HeaderValue) -> Result<Self, ApiError> {
        Self::parse(value.to_str().unwrap_or_default())
    }
}

impl Type for IdempotencyKey {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "IdempotencyKey".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            min_length: Some(1),
            max_length: Some(Self::MAX_CHARS),
            pattern: Some(Self::PATTERN.to_owned()),
            ..MetaSchema::new("string")
        }))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

impl ParseFromParameter for IdempotencyKey {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Self::parse(value).map_err(|err| ParseError::custom(err.to_string()))
    }
}

/// The operation transform (`#[oai(transform = "idempotent")]`).
pub fn idempotent<E: Endpoint + 'static>(inner: E) -> impl Endpoint {
    inner.around(|inner, mut req: Request| async move {
        let Some(key) = req.headers().get(HEADER).cloned() else {
            return inner.call(req).await.map(IntoResponse::into_response);
        };
        let key = IdempotencyKey::from_header(&key)?;
        let store = req
            .data::<Store>()
            .cloned()
            .expect("the API endpoint provides the store");
        // The body limit middleware already holds the body in memory.
        let body = req.take_body().into_bytes().await?;
        let request = fingerprint(req.method().as_str(), req.uri().path(), &body);
        req.set_body(body);

        let write = match store
            .claim_idempotency_key(&key.0, &request)
            .await
            .map_err(ApiError::from)?
        {
            Claim::Replay(stored) => return Ok(replay(stored)),
            Claim::Mismatch => {
                return Err(ApiError::Http {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    detail: format!("{HEADER} was already used with a different request"),
                }
                .into());
            }
            Claim::New(write) => write,
        };
        req.extensions_mut().insert(write.store());
        let mut response = match inner.call(req).await {
            Ok(response) => response.into_response(),
            Err(err) => err.into_response(),
        };
        if response.status().is_server_error() {
            write.abandon().await.map_err(ApiError::from)?;
            return Ok(response);
        }
        let stored = record(&mut response).await?;
        write.finish(&stored).await.map_err(ApiError::from)?;
        Ok(response)
    })
}

/// What "the same request" means for a key: method, path and the SHA-256 of the body bytes.
/// A digest, not the body: any bytes may arrive (PostgreSQL text cannot hold a NUL, and a lossy
/// UTF-8 copy would make two different bodies equal), and a 64 KiB body need not be kept.
fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    let digest = Sha256::digest(body);
    let mut text = format!("{method} {path}\nsha256:");
    for byte in digest {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

async fn record(response: &mut Response) -> Result<StoredResponse, ApiError> {
    let body = response
        .take_body()
        .into_bytes()
        .await
        .map_err(|_| ApiError::Internal)?;
    let stored = StoredResponse {
        status: response.status().as_u16(),
        headers: KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let value = response.headers().get(*name)?.to_str().ok()?;
                Some(((*name).to_owned(), value.to_owned()))
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    response.set_body(body);
    Ok(stored)
}

fn replay(stored: StoredResponse) -> Response {
    let mut response = Response::builder()
        .status(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK))
        .body(stored.body);
    for (name, value) in stored.headers {
        if let (Ok(name), Ok(value)) = (
            poem::http::HeaderName::try_from(name),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_bodies_apart_byte_for_byte() {
        let a = fingerprint("POST", "/v1/products", b"{\"name\":\"a\"}");
        assert_eq!(a, fingerprint("POST", "/v1/products", b"{\"name\":\"a\"}"));
        assert_ne!(a, fingerprint("POST", "/v1/products", b"{\"name\":\"b\"}"));
        assert_ne!(
            a,
            fingerprint("POST", "/v1/products/a/adjustments", b"{\"name\":\"a\"}")
        );
        // Invalid UTF-8 that a lossy copy would have made equal.
        assert_ne!(
            fingerprint("POST", "/v1/products", b"\xff"),
            fingerprint("POST", "/v1/products", b"\xfe")
        );
        assert!(!fingerprint("POST", "/", b"\0").contains('\0'));
    }
}
