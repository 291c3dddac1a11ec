//! Telemetry: logs, traces and metrics. `init` installs logging and tracing for the process;
//! [`http::RequestTelemetry`] gives each request its span, metrics and access-log line, and
//! [`database::StatementSpan`] gives each statement its span.

pub mod database;
pub mod http;
pub mod ids;
pub mod logging;
pub mod metrics;
mod otlp_http;
mod otlp_protobuf;
pub mod traces;

use opentelemetry::Context;
use opentelemetry::trace::{SpanContext, TraceContextExt};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::LogFormat;
use traces::Tracing;

/// Keeps the tracer provider alive; [`Telemetry::shutdown`] flushes finished spans.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

/// Installs the log output filtered by `RUST_LOG` and, unless `OTEL_SDK_DISABLED=true`, the
/// tracer and propagators.
pub fn init(format: LogFormat, filter: &str) -> Result<Telemetry, String> {
    let log_filter = EnvFilter::try_new(filter).map_err(|err| format!("RUST_LOG: {err}"))?;
    tracing_subscriber::registry()
        .with(logging::layer(format).with_filter(log_filter))
        .try_init()
        .map_err(|err| err.to_string())?;
    let mode = Tracing::from_env();
    if mode == Tracing::Disabled {
        return Ok(Telemetry { provider: None });
    }
    let provider = traces::provider(mode)?;
    traces::install_propagator();
    Ok(Telemetry {
        provider: Some(provider),
    })
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

/// The span of the request being served, if tracing is on and this runs inside a request.
pub fn current_span_context() -> Option<SpanContext> {
    Context::map_current(|cx| {
        let span = cx.span();
        let ids = span.span_context();
        ids.is_valid().then(|| ids.clone())
    })
}

/// The trace id of the current request, if tracing is on (for problem bodies).
pub fn current_trace_id() -> Option<String> {
    current_span_context().map(|ids| ids::trace_id_hex(&ids))
}
