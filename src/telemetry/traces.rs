//! Traces: an OpenTelemetry tracer provider configured only by the standard `OTEL_*` variables,
//! and the propagators that continue a trace from W3C `traceparent` or the ALB's `X-Amzn-Trace-Id`.

use std::env;
use std::sync::OnceLock;

use opentelemetry::global;
use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_aws::trace::{MissingSampledBehavior, XrayPropagator};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracer, SdkTracerProvider};

use super::ids::XrayIds;
use super::otlp_http::{OtlpHttpExporter, Settings, env_var, traces_or_general};

/// The tracer every span is started with; unset while `OTEL_SDK_DISABLED=true`.
static TRACER: OnceLock<SdkTracer> = OnceLock::new();

/// The process's tracer, if tracing is on. Spans are made with the OpenTelemetry API directly,
/// not through a `tracing` bridge: two spans per request then cost a few allocations instead
/// of the bridge's per-poll bookkeeping (docs/performance.md, telemetry on/off).
pub fn tracer() -> Option<&'static SdkTracer> {
    TRACER.get()
}

/// The service name when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` names one.
const DEFAULT_SERVICE_NAME: &str = "products-api";

/// What the `OTEL_*` variables ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tracing {
    /// `OTEL_SDK_DISABLED=true`: no spans at all.
    Disabled,
    /// No endpoint configured: spans (for trace ids in logs and responses) but no export.
    Local,
    /// An endpoint is configured: spans exported over OTLP in batches.
    Export,
}

impl Tracing {
    pub fn from_env() -> Self {
        if env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            Self::Disabled
        } else if env::var("OTEL_TRACES_EXPORTER").is_ok_and(|v| v.trim() == "none") {
            Self::Local
        } else if traces_or_general(&env_var, "ENDPOINT").is_some() {
            Self::Export
        } else {
            Self::Local
        }
    }
}

/// Builds the provider. With [`Tracing::Export`] the OTLP exporter (protocol from
/// `OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL`, default `http/protobuf`) runs behind the SDK's batch
/// processor: a bounded queue drained by its own thread, so a slow or dead collector never
/// delays a request; when the queue is full spans are dropped, counted, and logged once.
pub fn provider(mode: Tracing) -> Result<SdkTracerProvider, String> {
    let mut builder = SdkTracerProvider::builder()
        .with_id_generator(XrayIds::default())
        .with_resource(resource());
    if mode == Tracing::Export {
        builder = match protocol()? {
            Protocol::HttpProtobuf => builder.with_span_processor(
                BatchSpanProcessor::builder(OtlpHttpExporter::new(Settings::from_env()?)).build(),
            ),
            Protocol::Grpc => {
                let exporter = opentelemetry_otlp::SpanExporter::builder()
                    .with_tonic()
                    .build()
                    .map_err(|err| format!("OTEL_EXPORTER_OTLP_*: {err}"))?;
                builder.with_span_processor(BatchSpanProcessor::builder(exporter).build())
            }
        };
    }
    let provider = builder.build();
    // `telemetry::init` runs once per process (a second global subscriber is refused first).
    let _ = TRACER.set(provider.tracer("products-api"));
    Ok(provider)
}

/// How spans leave the process.
enum Protocol {
    /// Through our own exporter (`otlp_http.rs`), the default.
    HttpProtobuf,
    /// Through opentelemetry-otlp's tonic exporter.
    Grpc,
}

/// `OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL`, `http/protobuf` when neither is set.
fn protocol() -> Result<Protocol, String> {
    match traces_or_general(&env_var, "PROTOCOL") {
        None => Ok(Protocol::HttpProtobuf),
        Some((name, protocol)) => match protocol.trim() {
            "http/protobuf" => Ok(Protocol::HttpProtobuf),
            "grpc" => Ok(Protocol::Grpc),
            other => Err(format!(
                "{name}: `{other}` is not supported; use `http/protobuf` or `grpc`"
            )),
        },
    }
}

fn resource() -> Resource {
    let named = env::var("OTEL_SERVICE_NAME").is_ok_and(|v| !v.is_empty())
        || env::var("OTEL_RESOURCE_ATTRIBUTES").is_ok_and(|v| v.contains("service.name="));
    let builder = Resource::builder().with_attribute(opentelemetry::KeyValue::new(
        "service.version",
        env!("CARGO_PKG_VERSION"),
    ));
    if named {
        builder.build()
    } else {
        builder.with_service_name(DEFAULT_SERVICE_NAME).build()
    }
}

/// X-Ray first, W3C last: the composite applies both, so `traceparent` wins when present.
/// An ALB's Root-only `X-Amzn-Trace-Id` (no `Sampled`) is taken as sampled, not deferred (which
/// would drop every span); `http::request_context` keeps its trace id.
pub fn install_propagator() {
    global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(
            XrayPropagator::new().with_missing_sampled_behavior(MissingSampledBehavior::Sampled),
        ),
        Box::new(TraceContextPropagator::new()),
    ]));
}
