//! Traces: an OpenTelemetry tracer provider configured only by the standard `OTEL_*` variables,
//! and the propagators that continue a trace from W3C `traceparent` or the ALB's `X-Amzn-Trace-Id`.

use std::env;

use opentelemetry::global;
use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry_aws::trace::{MissingSampledBehavior, XrayIdGenerator, XrayPropagator};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use std::time::Duration;

use opentelemetry::{Context, Key, KeyValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, SdkTracerProvider, Span, SpanData, SpanProcessor,
};

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
        let set = |name: &str| env::var(name).is_ok_and(|v| !v.trim().is_empty());
        if env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            Self::Disabled
        } else if env::var("OTEL_TRACES_EXPORTER").is_ok_and(|v| v.trim() == "none") {
            Self::Local
        } else if set("OTEL_EXPORTER_OTLP_ENDPOINT") || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
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
        .with_id_generator(XrayIdGenerator::default())
        .with_resource(resource());
    if mode == Tracing::Export {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .build()
            .map_err(|err| format!("OTEL_EXPORTER_OTLP_*: {err}"))?;
        let batch = BatchSpanProcessor::builder(exporter).build();
        builder = builder.with_span_processor(DatabaseSemconv(batch));
    }
    Ok(builder.build())
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
/// An ALB's Root-only `X-Amzn-Trace-Id` (no `Sampled`) starts a sampled trace instead of a
/// deferred one that would drop every span.
pub fn install_propagator() {
    global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(
            XrayPropagator::new().with_missing_sampled_behavior(MissingSampledBehavior::Sampled),
        ),
        Box::new(TraceContextPropagator::new()),
    ]));
}

/// sea-orm names its client-span attributes by the older conventions (`db.system`,
/// `db.operation`, `db.statement`); this renames them to the current ones that the contract and
/// dashboards use (`db.system.name`, `db.operation.name`, `db.query.text`) before export.
#[derive(Debug)]
struct DatabaseSemconv<P>(P);

const RENAMES: [(&str, &str); 3] = [
    ("db.system", "db.system.name"),
    ("db.operation", "db.operation.name"),
    ("db.statement", "db.query.text"),
];

impl<P: SpanProcessor> SpanProcessor for DatabaseSemconv<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.0.on_start(span, cx);
    }

    fn on_end(&self, mut span: SpanData) {
        for attribute in &mut span.attributes {
            if let Some((_, new)) = RENAMES
                .iter()
                .find(|(old, _)| attribute.key.as_str() == *old)
            {
                *attribute = KeyValue::new(Key::from_static_str(new), attribute.value.clone());
            }
        }
        self.0.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.0.set_resource(resource);
    }
}
