//! Cross-cutting request handling: the body limit, the request timeout, turning every error
//! into a problem response, and closing connections while the service drains.

use std::time::Duration;

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use poem_openapi::OperationId;

use super::problem::{ApiError, problem_response};
use super::routes::{RefusedPath, RouteTable};
use crate::shutdown::Shutdown;

/// Bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Reads at most [`MAX_BODY_BYTES`] of a body, whether or not `Content-Length` announces it
/// (poem's `SizeLimit` only trusts the header, and wants it even on a bodiless GET).
///
/// An oversized body is still read (and discarded) up to [`DRAIN_LIMIT_BYTES`] before the 413 is
/// sent: answering while the client is still sending makes the server close the connection under
/// it, and many clients then report a reset instead of the 413. The request timeout bounds the
/// time this takes.
pub struct BodyLimit;

/// How much of an oversized body is drained before answering 413; past this the connection is
/// closed as it is.
const DRAIN_LIMIT_BYTES: usize = 1024 * 1024;

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint(inner)
    }
}

pub struct BodyLimitEndpoint<E>(E);

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let announced = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if announced.is_some_and(|n| n > DRAIN_LIMIT_BYTES as u64) {
            return Err(too_large().into());
        }
        let body = read_limited(req.take_body()).await?;
        req.set_body(body);
        self.0.call(req).await
    }
}

fn too_large() -> ApiError {
    ApiError::Http {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        detail: format!("the body is larger than {MAX_BODY_BYTES} bytes"),
    }
}

async fn read_limited(body: poem::Body) -> std::result::Result<Vec<u8>, ApiError> {
    use futures_util::StreamExt;
    let mut stream = body.into_bytes_stream();
    let mut kept = Vec::new();
    let mut received = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| ApiError::BadRequest(format!("body: {err}")))?;
        received += chunk.len();
        if received <= MAX_BODY_BYTES {
            kept.extend_from_slice(&chunk);
        } else if received > DRAIN_LIMIT_BYTES {
            break;
        }
    }
    if received > MAX_BODY_BYTES {
        Err(too_large())
    } else {
        Ok(kept)
    }
}

/// Answers 503 when a request takes longer than the configured timeout.
pub struct RequestTimeout(pub Duration);

impl<E: Endpoint> Middleware<E> for RequestTimeout {
    type Output = RequestTimeoutEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestTimeoutEndpoint(inner, self.0)
    }
}

pub struct RequestTimeoutEndpoint<E>(E, Duration);

impl<E: Endpoint> Endpoint for RequestTimeoutEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        match tokio::time::timeout(self.1, self.0.call(req)).await {
            Ok(result) => result,
            Err(_) => Err(ApiError::Timeout.into()),
        }
    }
}

/// Renders every error as `application/problem+json`: ours as they are, the framework's
/// (unknown path, wrong method, unparsable parameter, wrong content type, …) with their status
/// and message. A 405 also gets `Allow`. 5xx details from elsewhere are never passed on.
pub struct ProblemErrors(pub RouteTable);

impl<E: Endpoint> Middleware<E> for ProblemErrors {
    type Output = ProblemErrorsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        ProblemErrorsEndpoint(inner, self.0.clone())
    }
}

pub struct ProblemErrorsEndpoint<E>(E, RouteTable);

impl<E: Endpoint> Endpoint for ProblemErrorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let path = req.uri().path().to_owned();
        let err = match self.0.call(req).await {
            Ok(resp) => return Ok(resp.into_response()),
            Err(err) => err,
        };
        // Keep the operation that failed, else the path refused, for the route label.
        let operation = err.data::<OperationId>().cloned();
        let mut response = if err.is::<ApiError>() {
            err.into_response()
        } else {
            framework_problem(err, self.1.allowed_methods(&path).unwrap_or_default())
        };
        match operation {
            Some(operation) => response.set_data(operation),
            None => response.set_data(RefusedPath(path)),
        }
        Ok(response)
    }
}

fn framework_problem(err: poem::Error, allowed: &[Method]) -> Response {
    let status = err.status();
    let detail = if status.is_server_error() {
        tracing::error!(error = %err, "unhandled error");
        "internal error".to_owned()
    } else {
        err.to_string()
    };
    let mut response = problem_response(&ApiError::Http { status, detail }.problem());
    if status == StatusCode::METHOD_NOT_ALLOWED {
        let allow = allowed
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        if let Ok(value) = HeaderValue::from_str(&allow) {
            response.headers_mut().insert(header::ALLOW, value);
        }
    }
    response
}

/// Once shutdown is requested, answers carry `Connection: close`, so keep-alive clients move
/// to another target instead of sending a request on a connection about to close.
pub struct CloseWhenDraining(pub Shutdown);

impl<E: Endpoint> Middleware<E> for CloseWhenDraining {
    type Output = CloseWhenDrainingEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        CloseWhenDrainingEndpoint(inner, self.0.clone())
    }
}

pub struct CloseWhenDrainingEndpoint<E>(E, Shutdown);

impl<E: Endpoint> Endpoint for CloseWhenDrainingEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let mut response = self.0.call(req).await?.into_response();
        if self.1.is_requested() {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        Ok(response)
    }
}
