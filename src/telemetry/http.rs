//! Per-request telemetry: a SERVER span named `{METHOD} {route}` (parent from `traceparent` or
//! `X-Amzn-Trace-Id`), the `traceresponse` header, the HTTP metrics, and one access-log line.

use std::sync::Arc;
use std::time::Instant;

use opentelemetry::context::FutureExt as _;
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceContextExt, TraceId, Tracer as _};
use opentelemetry::{Context, KeyValue, global};
use poem::http::{HeaderMap, HeaderName, Method, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

use super::ids;
use super::metrics::{Metrics, UNMATCHED_ROUTE};
use super::traces::tracer;

/// Maps a finished request to its route label: the template of the route it was answered on;
/// `None` for a path no route matches.
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

const TRACERESPONSE: HeaderName = HeaderName::from_static("traceresponse");

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    /// A scan rather than `HeaderMap::get(&str)`, which parses and hashes the name on each of
    /// the propagators' three lookups, most of them misses; a request has few headers.
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name.as_str().eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.to_str().ok())
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
        let cx = request_context(&req, method);
        let ids = cx.as_ref().map(|cx| cx.span().span_context().clone());

        let in_flight = InFlight::enter(&self.metrics);
        // Inside the request's context, so that problem bodies, log lines and database spans
        // made while serving it carry its ids; errors become responses in there too. Pinned
        // here, so that the context wraps a reference rather than a copy of the whole
        // request's future (kilobytes, copied on every request).
        let serve = std::pin::pin!(async {
            match self.inner.call(req).await {
                Ok(resp) => resp.into_response(),
                Err(err) => err.into_response(),
            }
        });
        let mut response = match &cx {
            Some(cx) => serve.with_context(cx.clone()).await,
            None => serve.await,
        };
        drop(in_flight);

        let route = self.routes.route_of(&response).unwrap_or(UNMATCHED_ROUTE);
        let status = response.status();
        let elapsed = started.elapsed();
        if let Some(ids) = &ids {
            // W3C Trace Context Level 2: the trace and span this request was served in.
            response
                .headers_mut()
                .insert(TRACERESPONSE, ids::traceresponse(ids));
        }
        self.metrics
            .observe_request(method, route, status.as_u16(), elapsed.as_secs_f64());
        let bytes = body_size(&mut response).await;
        let _current = cx.as_ref().map(|cx| cx.clone().attach());
        tracing::info!(
            target: "access",
            method,
            route,
            status = status.as_u16(),
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            bytes,
            "request"
        );
        if let Some(cx) = &cx {
            let span = cx.span();
            span.update_name([method, " ", route].concat());
            span.set_attribute(KeyValue::new("http.route", route.to_owned()));
            span.set_attribute(KeyValue::new(
                "http.response.status_code",
                i64::from(status.as_u16()),
            ));
            if status.is_server_error() {
                span.set_status(Status::error(status.as_str().to_owned()));
            }
            span.end();
        }
        Ok(response)
    }
}

/// Counts a request in `http_server_requests_in_flight` until dropped: when it is answered, or
/// when its future is dropped unfinished (the client went away, or shutdown's grace ran out).
struct InFlight<'a>(&'a Metrics);

impl<'a> InFlight<'a> {
    fn enter(metrics: &'a Metrics) -> Self {
        metrics.in_flight.inc();
        Self(metrics)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.dec();
    }
}

/// The context a request is served in: its SERVER span (named by the method until the route
/// is known), a child of the caller's span when `traceparent` or `X-Amzn-Trace-Id` names one.
/// `None` while tracing is off.
fn request_context(req: &Request, method: &'static str) -> Option<Context> {
    let tracer = tracer()?;
    let parent = global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(req.headers())));
    let mut attributes = Vec::with_capacity(4);
    attributes.extend([
        KeyValue::new("http.request.method", method),
        KeyValue::new("url.path", req.uri().path().to_owned()),
        KeyValue::new("url.scheme", "http"),
    ]);
    if let Some(agent) = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    {
        attributes.push(KeyValue::new("user_agent.original", agent.to_owned()));
    }
    let start = || {
        tracer
            .span_builder(method)
            .with_kind(SpanKind::Server)
            .with_attributes(attributes)
            .start_with_context(tracer, &parent)
    };
    let span = match trace_without_parent(&parent) {
        Some(trace_id) => ids::with_trace_id(trace_id, start),
        None => start(),
    };
    Some(parent.with_span(span))
}

/// The trace an ALB's Root-only `X-Amzn-Trace-Id` names: a trace id without a parent span.
fn trace_without_parent(parent: &Context) -> Option<TraceId> {
    let span = parent.span();
    let named = span.span_context();
    (named.trace_id() != TraceId::INVALID && named.span_id() == SpanId::INVALID)
        .then(|| named.trace_id())
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
