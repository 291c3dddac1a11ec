//! Errors as `application/problem+json` (RFC 9457), and the one mapping from failures to statuses.

use std::marker::PhantomData;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::{ToJSON, Type};
use poem_openapi::{ApiResponse, Object};

use crate::domain::RuleViolation;
use crate::store::StoreError;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// A problem details body.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    #[oai(rename = "type")]
    pub kind: String,
    /// The status's short, human-readable summary.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request; names the offending field for bad input.
    pub detail: String,
    /// The trace this request was served in (absent when tracing is disabled).
    #[oai(skip_serializing_if_is_none)]
    pub trace_id: Option<String>,
}

impl poem_openapi::types::Example for Problem {
    fn example() -> Self {
        ApiError::NotFound.problem()
    }
}

/// Everything a request can fail with. `status` and `problem` are the only status mapping.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Syntax or schema errors caught before a handler ran (bad JSON, wrong type, missing field).
    #[error("{0}")]
    BadRequest(String),
    /// A well-formed value that breaks a product rule.
    #[error(transparent)]
    Rule(#[from] RuleViolation),
    #[error("no product with that name")]
    NotFound,
    #[error("a product with that name already exists")]
    AlreadyExists,
    #[error("the adjustment would take the quantity outside 0–2147483647; nothing was changed")]
    OutOfRange,
    #[error(
        "the product's current version does not satisfy If-Match/If-None-Match; nothing was changed"
    )]
    PreconditionFailed,
    #[error("the database is unavailable; retry shortly")]
    Unavailable,
    #[error("the request did not complete in time")]
    Timeout,
    /// Anything else; the cause is logged, never sent.
    #[error("internal error")]
    Internal,
    /// A status with no variant of its own, with its detail: the framework's (404 route, 405,
    /// a bad parameter) and a few of ours (413, 415, a reused idempotency key, migrations pending).
    #[error("{detail}")]
    Http { status: StatusCode, detail: String },
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Rule(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::AlreadyExists | Self::OutOfRange => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::Unavailable | Self::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Http { status, .. } => *status,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad-request",
            Self::Rule(_) => "invalid-value",
            Self::NotFound => "not-found",
            Self::AlreadyExists => "already-exists",
            Self::OutOfRange => "quantity-out-of-range",
            Self::PreconditionFailed => "precondition-failed",
            Self::Unavailable => "database-unavailable",
            Self::Timeout => "timeout",
            Self::Internal => "internal",
            Self::Http { .. } => "http",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        Problem {
            kind: format!("urn:products-api:problem:{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            trace_id: crate::telemetry::current_trace_id(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::AlreadyExists => Self::AlreadyExists,
            StoreError::PreconditionFailed => Self::PreconditionFailed,
            StoreError::OutOfRange => Self::OutOfRange,
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                Self::Unavailable
            }
            StoreError::Internal(cause) => {
                tracing::error!(error = %cause, "database error");
                Self::Internal
            }
        }
    }
}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        ApiError::status(self)
    }

    fn as_response(&self) -> Response {
        problem_response(&self.problem())
    }
}

pub fn problem_response(problem: &Problem) -> Response {
    let body = problem.to_json().map(|v| v.to_string()).unwrap_or_default();
    let mut response = Response::builder()
        .status(StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .body(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
    );
    if problem.status == StatusCode::SERVICE_UNAVAILABLE.as_u16() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

/// The statuses an operation documents for its failures.
pub trait Statuses: Send + Sync + 'static {
    const LIST: &'static [u16];
}

/// An operation's error type: an [`ApiError`] whose possible statuses, `S::LIST`, appear in the
/// OpenAPI document as problem responses.
#[derive(Debug)]
pub struct Failure<S>(pub ApiError, PhantomData<fn() -> S>);

/// `?` works on every error a handler meets.
macro_rules! failure_from {
    ($($source:ty),*) => {$(
        impl<S> From<$source> for Failure<S> {
            fn from(err: $source) -> Self {
                Self(err.into(), PhantomData)
            }
        }
    )*};
}
failure_from!(ApiError, StoreError, RuleViolation);

impl<S: Statuses> ApiResponse for Failure<S> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: S::LIST
                .iter()
                .map(|&status| MetaResponse {
                    description: describe(status),
                    status: Some(status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: PROBLEM_CONTENT_TYPE,
                        schema: Problem::schema_ref(),
                    }],
                    headers: vec![],
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

impl<S> IntoResponse for Failure<S> {
    fn into_response(self) -> Response {
        poem::error::ResponseError::as_response(&self.0)
    }
}

impl<S> From<Failure<S>> for poem::Error {
    fn from(failure: Failure<S>) -> Self {
        poem::Error::from(failure.0)
    }
}

fn describe(status: u16) -> &'static str {
    match status {
        400 => "Malformed request: bad JSON, a wrong type, a missing field or a bad parameter.",
        404 => "No product with that name.",
        409 => "Conflicts with the current state; nothing was changed.",
        412 => "A precondition (If-Match / If-None-Match) failed; nothing was changed.",
        413 => "The body is larger than 64 KiB.",
        415 => "The body is not JSON (`Content-Type` must be `application/json`).",
        422 => "A value breaks a product rule (the detail names the field).",
        503 => "The database is unavailable or the request timed out; retry later.",
        _ => "Error.",
    }
}

/// Declares a set of documented failure statuses.
macro_rules! statuses {
    ($($name:ident = [$($status:literal),*];)*) => {$(
        #[derive(Debug)]
        pub struct $name;
        impl $crate::api::problem::Statuses for $name {
            const LIST: &'static [u16] = &[$($status),*];
        }
    )*};
}
pub(crate) use statuses;
