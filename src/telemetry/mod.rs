//! Logs, metrics and (with the OTLP exporter) traces.

pub mod logging;
pub mod metrics;
