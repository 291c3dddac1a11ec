//! Telemetry: logs, traces and metrics. `init` installs logging and tracing for the process;
//! [`http::RequestTelemetry`] gives each request its span, metrics and access-log line.

pub mod http;
pub mod logging;
pub mod metrics;
pub mod traces;

use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::LogFormat;
use traces::Tracing;

/// Keeps the tracer provider alive; [`Telemetry::shutdown`] flushes finished spans.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

/// Installs the global subscriber: the log output filtered by `RUST_LOG`, plus, unless
/// `OTEL_SDK_DISABLED=true`, the OpenTelemetry layer.
pub fn init(format: LogFormat, filter: &str) -> Result<Telemetry, String> {
    let log_filter = EnvFilter::try_new(filter).map_err(|err| format!("RUST_LOG: {err}"))?;
    let registry =
        tracing_subscriber::registry().with(logging::layer(format).with_filter(log_filter));
    let mode = Tracing::from_env();
    if mode == Tracing::Disabled {
        registry.try_init().map_err(|err| err.to_string())?;
        return Ok(Telemetry { provider: None });
    }
    let provider = traces::provider(mode)?;
    traces::install_propagator();
    let otel = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("products-api"))
        .with_location(false)
        .with_threads(false)
        .with_target(false)
        .with_tracked_inactivity(false)
        .with_filter(span_filter());
    registry
        .with(otel)
        .try_init()
        .map_err(|err| err.to_string())?;
    Ok(Telemetry {
        provider: Some(provider),
    })
}

/// Which spans become OpenTelemetry spans: ours and sea-orm's at INFO (its trace-level
/// duplicates and the exporter's own HTTP/gRPC stack would only add noise or feed back).
fn span_filter() -> Targets {
    Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("sqlx", LevelFilter::OFF)
        .with_target("h2", LevelFilter::OFF)
        .with_target("hyper", LevelFilter::OFF)
        .with_target("hyper_util", LevelFilter::OFF)
        .with_target("tonic", LevelFilter::OFF)
        .with_target("tower", LevelFilter::OFF)
        .with_target("reqwest", LevelFilter::OFF)
        .with_target("opentelemetry", LevelFilter::OFF)
        .with_target("opentelemetry_sdk", LevelFilter::OFF)
        .with_target("opentelemetry_otlp", LevelFilter::OFF)
}

impl Telemetry {
    /// Exports every finished span still queued, then stops the exporter (blocking).
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(err) = provider.shutdown()
        {
            tracing::warn!(error = %err, "flushing traces at shutdown");
        }
    }
}

/// The trace id of the current request, if tracing is on (for problem bodies).
pub fn current_trace_id() -> Option<String> {
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}
