//! Log output: human-readable text by default; with `LOG_FORMAT=json`, one JSON object per line
//! with `timestamp`, `level`, `target`, `message`, the event's fields, and the `trace_id` and
//! `span_id` of the request it belongs to (so CloudWatch Logs Insights can join logs to traces).

use std::fmt;

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

/// Writes an event as one JSON object: `timestamp`, `level`, `target`, the event's fields, then
/// the request's ids, serialised field by field into one buffer. (A `serde_json::Map` built and
/// then serialised cost a tree of owned keys and values per line, the access line included.)
struct JsonLine;

/// Keys the line writes itself; an event field with one of these names is left out rather than
/// written twice.
const RESERVED_KEYS: [&str; 5] = ["timestamp", "level", "target", "trace_id", "span_id"];

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
        let mut line = JsonObject::new();
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        line.entry("timestamp", &now);
        line.entry("level", event.metadata().level().as_str());
        line.entry("target", event.metadata().target());
        event.record(&mut JsonFields(&mut line));
        if let Some(ids) = current_span_context() {
            line.entry("trace_id", &trace_id_hex(&ids));
            line.entry("span_id", &span_id_hex(&ids));
        }
        let line = line.finish();
        writer.write_str(std::str::from_utf8(&line).map_err(|_| fmt::Error)?)
    }
}

/// A JSON object being written; keys and values are serialised (and escaped) by serde_json.
struct JsonObject(Vec<u8>);

impl JsonObject {
    /// Room for an access line without growing.
    const CAPACITY: usize = 320;

    fn new() -> Self {
        let mut bytes = Vec::with_capacity(Self::CAPACITY);
        bytes.push(b'{');
        Self(bytes)
    }

    fn entry<V: serde::Serialize + ?Sized>(&mut self, key: &str, value: &V) {
        if self.0.len() > 1 {
            self.0.push(b',');
        }
        // Into a Vec, strings and the numbers and booleans the visitor passes cannot fail.
        let _ = serde_json::to_writer(&mut self.0, key);
        self.0.push(b':');
        let _ = serde_json::to_writer(&mut self.0, value);
    }

    fn finish(mut self) -> Vec<u8> {
        self.0.extend_from_slice(b"}\n");
        self.0
    }
}

/// Writes each field of an event as an entry of the line.
struct JsonFields<'a>(&'a mut JsonObject);

impl JsonFields<'_> {
    fn entry<V: serde::Serialize + ?Sized>(&mut self, field: &Field, value: &V) {
        if !RESERVED_KEYS.contains(&field.name()) {
            self.0.entry(field.name(), value);
        }
    }
}

impl Visit for JsonFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.entry(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.entry(field, &value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.entry(field, &value);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // Not finite: `null`, as serde_json writes it.
        self.entry(field, &value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.entry(field, &value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.entry(field, &format!("{value:?}"));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde_json::{Value, json};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn json_lines(log: impl FnOnce()) -> Vec<Value> {
        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(NoSpanFields)
            .event_format(JsonLine)
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
            .collect()
    }

    #[test]
    fn a_json_line_holds_every_field_escaped_and_typed() {
        let lines = json_lines(|| {
            tracing::warn!(
                target: "access",
                text = "a \"quoted\"\nline é \u{1}",
                count = 3u64,
                delta = -2i64,
                ratio = 0.5,
                undefined = f64::NAN,
                flag = true,
                listed = ?vec![1, 2],
                "done"
            );
        });
        let [line] = lines.as_slice() else {
            panic!("one line expected, got {lines:?}")
        };
        let timestamp = line["timestamp"].as_str().expect("a timestamp");
        assert!(
            chrono::DateTime::parse_from_rfc3339(timestamp).is_ok(),
            "{timestamp}"
        );
        let mut fields = line.as_object().unwrap().clone();
        fields.remove("timestamp");
        assert_eq!(
            Value::Object(fields),
            json!({
                "level": "WARN",
                "target": "access",
                "message": "done",
                "text": "a \"quoted\"\nline é \u{1}",
                "count": 3,
                "delta": -2,
                "ratio": 0.5,
                "undefined": null,
                "flag": true,
                "listed": "[1, 2]",
            })
        );
    }

    #[test]
    fn an_event_field_cannot_replace_what_the_line_writes_itself() {
        let lines = json_lines(|| tracing::info!(target: "app", level = "fake", "started"));
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["level"], "INFO");
        assert_eq!(lines[0]["target"], "app");
        assert_eq!(lines[0]["message"], "started");
    }
}
