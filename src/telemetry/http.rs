//! Per-request telemetry: a SERVER span named `{METHOD} {route}` (parent from `traceparent` or
//! `X-Amzn-Trace-Id`), the `traceresponse` header, the HTTP metrics, and one access-log line.

use std::sync::Arc;
use std::time::Instant;

use opentelemetry::global;
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::{Status, TraceContextExt};
use poem::http::{HeaderMap, HeaderValue, Method};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use tracing::Instrument;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::metrics::{Metrics, UNMATCHED_ROUTE};

/// Maps a finished request to its route label: the template of the operation that handled it.
pub trait RouteLabel: Send + Sync {
    fn route_of(&self, response: &Response) -> Option<&str>;
}

/// The middleware; `routes` labels requests, `metrics` records them.
pub struct RequestTelemetry<R> {
    pub metrics: Metrics,
    pub routes: Arc<R>,
}

impl<E: Endpoint, R: RouteLabel + 'static> Middleware<E> for RequestTelemetry<R> {
    type Output = RequestTelemetryEndpoint<E, R>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestTelemetryEndpoint {
            inner,
            metrics: self.metrics.clone(),
            routes: self.routes.clone(),
        }
    }
}

pub struct RequestTelemetryEndpoint<E, R> {
    inner: E,
    metrics: Metrics,
    routes: Arc<R>,
}

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

impl<E: Endpoint, R: RouteLabel + 'static> Endpoint for RequestTelemetryEndpoint<E, R> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let started = Instant::now();
        let method = known_method(req.method());
        // ERROR level only so that the span is enabled whatever RUST_LOG says: every log line of
        // the request then carries its trace id. The level is not exported.
        let span = tracing::error_span!(
            "request",
            otel.name = method,
            otel.kind = "server",
            otel.status_code = Empty,
            http.request.method = method,
            http.route = Empty,
            http.response.status_code = Empty,
            url.path = req.uri().path(),
            url.scheme = "http",
            user_agent.original = Empty,
            trace_id = Empty,
            span_id = Empty,
        );
        if let Some(agent) = req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
        {
            span.record("user_agent.original", agent);
        }
        let parent =
            global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(req.headers())));
        let _ = span.set_parent(parent);
        let ids = {
            let context = span.context();
            let otel_span = context.span();
            let ids = otel_span.span_context().clone();
            ids.is_valid().then_some(ids)
        };
        if let Some(ids) = &ids {
            span.record("trace_id", ids.trace_id().to_string());
            span.record("span_id", ids.span_id().to_string());
        }

        self.metrics.in_flight.inc();
        let mut response = match self.inner.call(req).instrument(span.clone()).await {
            Ok(resp) => resp.into_response(),
            Err(err) => err.into_response(),
        };
        self.metrics.in_flight.dec();

        let route = self.routes.route_of(&response).unwrap_or(UNMATCHED_ROUTE);
        let status = response.status();
        let elapsed = started.elapsed();
        span.record("http.route", route);
        span.record("http.response.status_code", i64::from(status.as_u16()));
        let otel = span.context();
        otel.span().update_name(format!("{method} {route}"));
        if status.is_server_error() {
            span.record("otel.status_code", "ERROR");
            otel.span()
                .set_status(Status::error(status.as_str().to_owned()));
        }
        if let Some(ids) = &ids {
            // W3C Trace Context Level 2: the trace and span this request was served in.
            let value = format!(
                "00-{}-{}-{:02x}",
                ids.trace_id(),
                ids.span_id(),
                ids.trace_flags().to_u8()
            );
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert("traceresponse", value);
            }
        }
        self.metrics
            .observe_request(method, route, status.as_u16(), elapsed.as_secs_f64());
        let bytes = body_size(&mut response).await;
        span.in_scope(|| {
            tracing::info!(
                target: "access",
                method,
                route,
                status = status.as_u16(),
                duration_ms = elapsed.as_secs_f64() * 1000.0,
                bytes,
                "request"
            );
        });
        Ok(response)
    }
}

/// The size of the response body. Every body this service sends is already in memory, so
/// collecting it costs no wait; a body that fails to collect is logged as unknown.
async fn body_size(response: &mut Response) -> Option<usize> {
    let bytes = response.take_body().into_bytes().await.ok()?;
    let size = bytes.len();
    response.set_body(bytes);
    Some(size)
}

/// Standard methods as themselves, anything a client invents as `OTHER` (bounded labels).
fn known_method(method: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    KNOWN
        .iter()
        .find(|known| *known == method)
        .map(|m| m.as_str())
        .unwrap_or("OTHER")
}
