//! JSON request bodies parsed with serde, so every syntax or type error names its field
//! (`quantity: invalid type: string "x", expected i64`). Rule checks happen afterwards, in the
//! domain types, and give 422.

use std::marker::PhantomData;

use poem::{FromRequest, Request, RequestBody};
use poem_openapi::registry::{MetaMediaType, MetaRequest, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde::de::DeserializeOwned;

use super::problem::ApiError;

/// Which `Content-Type` a body may arrive with.
pub trait ContentTypePolicy: Send + Sync {
    fn check(content_type: Option<&str>) -> Result<(), ApiError>;
}

/// `application/json` or any `application/*+json`; anything else is 415.
pub struct StrictJson;

impl ContentTypePolicy for StrictJson {
    fn check(content_type: Option<&str>) -> Result<(), ApiError> {
        let unsupported = |detail: String| ApiError::Http {
            status: poem::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            detail,
        };
        let content_type = content_type
            .ok_or_else(|| unsupported("the body needs `Content-Type: application/json`".into()))?;
        let is_json = content_type.parse::<mime::Mime>().is_ok_and(|mime| {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        });
        if is_json {
            Ok(())
        } else {
            Err(unsupported(format!(
                "`Content-Type: {content_type}` is not supported; send application/json"
            )))
        }
    }
}

/// Any or no content type: the original service decoded JSON whatever curl's `-d` declared
/// (`application/x-www-form-urlencoded`).
pub struct AnyContentType;

impl ContentTypePolicy for AnyContentType {
    fn check(_: Option<&str>) -> Result<(), ApiError> {
        Ok(())
    }
}

/// A JSON body of type `T`; `T`'s poem-openapi schema documents it, serde parses it.
pub struct JsonBody<T, P = StrictJson>(pub T, PhantomData<P>);

impl<'a, T, P> ApiExtractor<'a> for JsonBody<T, P>
where
    T: Type + DeserializeOwned,
    P: ContentTypePolicy,
{
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: "application/json",
                schema: <T as Type>::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        P::check(request.content_type())?;
        let bytes = <Vec<u8> as FromRequest>::from_request(request, body).await?;
        Ok(Self(parse(&bytes)?, PhantomData))
    }
}

/// Parses `bytes` as `T`, describing a failure by the path of the field it happened at.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        // The root ("." or "?") is the body itself.
        ApiError::BadRequest(if path == "." || path.starts_with('?') {
            format!("body: {inner}")
        } else {
            format!("{path}: {inner}")
        })
    })?;
    deserializer
        .end()
        .map_err(|err| ApiError::BadRequest(format!("body: {err}")))?;
    Ok(value)
}
