#![doc = include_str!("../README.md")]

use std::future::Future;

use futures::TryStreamExt;
use reqwest::StatusCode;
use reqwest::header::{ETAG, HeaderMap};

/// What progenitor generates from `openapi/openapi.json` (see `build.rs`): the [`Client`] with
/// one builder per operation, and the request and response [`types`].
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    unused_imports,
    unreachable_pub,
    mismatched_lifetime_syntaxes
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/client.rs"));
}

pub use generated::*;

/// An API call that failed, with the service's problem document decoded.
///
/// The service answers every 4xx and 5xx with `application/problem+json` (RFC 9457).
/// progenitor 0.15 only types `application/json` bodies, so its error for these responses is
/// `Error::ErrorResponse(ResponseValue<ByteStream>)`; [`ApiError::from_error`] (or
/// [`DecodeProblems::problems`] on a request) reads that body into the generated
/// [`types::Problem`].
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The service answered with a problem document.
    #[error("{status}: {} ({})", problem.detail, problem.type_)]
    Problem {
        status: StatusCode,
        headers: HeaderMap,
        problem: types::Problem,
    },
    /// `304 Not Modified` to `get_product` with `If-None-Match` listing the current tag.
    /// (progenitor has no success type for a 3xx, so it reaches the caller as an error.)
    #[error("304 Not Modified (ETag {etag:?})")]
    NotModified { etag: Option<String> },
    /// An error status whose body is not a problem document.
    #[error("{status}: the error body is not a problem document: {body}")]
    NotAProblem { status: StatusCode, body: String },
    /// Everything else: the request could not be built or sent, or the answer was unexpected.
    #[error(transparent)]
    Client(#[from] Error),
}

impl ApiError {
    /// Decodes the problem body of an error response; other errors are passed on.
    pub async fn from_error(error: Error<ByteStream>) -> Self {
        match error {
            Error::ErrorResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let body: Vec<u8> = match response
                    .into_inner()
                    .into_inner()
                    .map_ok(|chunk| chunk.to_vec())
                    .try_concat()
                    .await
                {
                    Ok(body) => body,
                    Err(err) => return Self::Client(Error::ResponseBodyError(err)),
                };
                match serde_json::from_slice::<types::Problem>(&body) {
                    Ok(problem) => Self::Problem {
                        status,
                        headers,
                        problem,
                    },
                    Err(_) => Self::NotAProblem {
                        status,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    },
                }
            }
            Error::UnexpectedResponse(response)
                if response.status() == StatusCode::NOT_MODIFIED =>
            {
                let etag = response
                    .headers()
                    .get(ETAG)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                Self::NotModified { etag }
            }
            other => Self::Client(other.into_untyped()),
        }
    }

    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Problem { status, .. } | Self::NotAProblem { status, .. } => Some(*status),
            Self::NotModified { .. } => Some(StatusCode::NOT_MODIFIED),
            Self::Client(err) => err.status(),
        }
    }

    /// The problem document, if the service sent one.
    pub fn problem(&self) -> Option<&types::Problem> {
        match self {
            Self::Problem { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

/// `.problems()` on a request future: `client.get_product().name("ball").send().problems().await`
/// gives `Result<ResponseValue<Product>, ApiError>`.
pub trait DecodeProblems<T>: Future<Output = Result<ResponseValue<T>, Error<ByteStream>>> {
    /// Awaits the request and decodes a problem body into [`ApiError::Problem`].
    fn problems(self) -> impl Future<Output = Result<ResponseValue<T>, ApiError>> + Send
    where
        Self: Sized + Send,
        T: Send,
    {
        async move {
            match self.await {
                Ok(value) => Ok(value),
                Err(error) => Err(ApiError::from_error(error).await),
            }
        }
    }
}

impl<F, T> DecodeProblems<T> for F where
    F: Future<Output = Result<ResponseValue<T>, Error<ByteStream>>>
{
}

/// The entity tag of a response (`"3"` for version 3), for `If-Match`/`If-None-Match`.
pub fn etag<T>(response: &ResponseValue<T>) -> Option<&str> {
    response.headers().get(ETAG).and_then(|v| v.to_str().ok())
}
