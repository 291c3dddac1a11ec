//! Log output: human-readable text by default; with `LOG_FORMAT=json`, one JSON object per line
//! with `timestamp`, `level`, `target`, `message`, the event's fields, and the `trace_id` and
//! `span_id` of the request it belongs to (so CloudWatch Logs Insights can join logs to traces).

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt as output;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use super::current_span_context;
use super::ids::{span_id_hex, trace_id_hex};
use crate::config::LogFormat;

/// The log output layer for `format`.
pub fn layer<S>(format: LogFormat) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
{
    match format {
        LogFormat::Text => output::layer()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .event_format(WithRequestIds(output::format()))
            .with_writer(std::io::stdout)
            .boxed(),
        LogFormat::Json => output::layer()
            .fmt_fields(NoSpanFields)
            .event_format(JsonLine)
            .with_writer(std::io::stdout)
            .boxed(),
    }
}

/// The fmt layer renders every span's fields to text when the span is created or recorded, for
/// formatters that print them. `JsonLine` never does, so in JSON mode that rendering (of
/// library spans such as sea-orm's) is skipped.
struct NoSpanFields;

impl<'writer> FormatFields<'writer> for NoSpanFields {
    fn format_fields<R: RecordFields>(&self, _: Writer<'writer>, _: R) -> fmt::Result {
        Ok(())
    }
}

/// The human format, with the request's `trace_id=… span_id=…` at the end of each line
/// written while serving a request.
struct WithRequestIds<F>(F);

impl<S, N, F> FormatEvent<S, N> for WithRequestIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some(ids) = current_span_context() else {
            return self.0.format_event(ctx, writer, event);
        };
        let mut line = String::new();
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        writeln!(
            writer,
            "{} trace_id={} span_id={}",
            line.trim_end(),
            trace_id_hex(&ids),
            span_id_hex(&ids)
        )
    }
}

/// Writes an event as one JSON object.
struct JsonLine;

impl<S, N> FormatEvent<S, N> for JsonLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = Map::new();
        line.insert(
            "timestamp".into(),
            chrono::Utc::now()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                .into(),
        );
        line.insert("level".into(), event.metadata().level().as_str().into());
        line.insert("target".into(), event.metadata().target().into());
        event.record(&mut JsonFields(&mut line));
        if let Some(ids) = current_span_context() {
            line.insert("trace_id".into(), trace_id_hex(&ids).into());
            line.insert("span_id".into(), span_id_hex(&ids).into());
        }
        let text = serde_json::to_string(&Value::Object(line)).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

struct JsonFields<'a>(&'a mut Map<String, Value>);

impl Visit for JsonFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}
