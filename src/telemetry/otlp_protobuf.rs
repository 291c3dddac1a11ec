//! Finished spans as an OTLP `ExportTraceServiceRequest` in protobuf, written straight from the
//! SDK's `SpanData`.
//!
//! opentelemetry-otlp first converts every span into owned prost messages (a `String` for each
//! attribute key and value), then computes each nested length once per enclosing level, then
//! frees it all: 19k of the 30k instructions telemetry adds to a read (docs/performance.md).
//! This writes the same message (a test decodes both and compares) with no allocation but the
//! output buffer: each span's length is counted once, then its bytes written.

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{Event, Link, SpanContext, SpanKind, Status};
use opentelemetry::{Array, InstrumentationScope, KeyValue, Value};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SpanData;

/// The request body for `spans`, all from one `resource`.
pub fn export_request(resource: &Resource, spans: &[SpanData]) -> Vec<u8> {
    let request = RequestMessage {
        resource,
        spans,
        scopes: by_scope(spans),
        span_lengths: spans
            .iter()
            .map(|span| Length::of(&SpanMessage(span)))
            .collect(),
    };
    let mut out = Bytes(Vec::with_capacity(Length::of(&request)));
    request.fields(&mut out);
    out.0
}

/// Span indexes grouped by instrumentation scope, scopes in order of first appearance (as
/// opentelemetry-otlp groups them); a process has one or two scopes, so a scan suffices.
fn by_scope(spans: &[SpanData]) -> Vec<(&InstrumentationScope, Vec<usize>)> {
    let mut scopes: Vec<(&InstrumentationScope, Vec<usize>)> = Vec::new();
    for (i, span) in spans.iter().enumerate() {
        match scopes
            .iter_mut()
            .find(|(scope, _)| *scope == &span.instrumentation_scope)
        {
            Some((_, members)) => members.push(i),
            None => scopes.push((&span.instrumentation_scope, vec![i])),
        }
    }
    scopes
}

/// Where fields go: counted ([`Length`]) or written ([`Bytes`]). Each message describes its
/// fields once, for both.
trait Output {
    fn varint(&mut self, tag: u32, value: u64);
    fn fixed32(&mut self, tag: u32, value: u32);
    fn fixed64(&mut self, tag: u32, value: u64);
    fn bytes(&mut self, tag: u32, value: &[u8]);
    /// A nested message whose length is already known.
    fn counted_message(&mut self, tag: u32, length: usize, message: &impl Message);

    /// A nested message; counted first when written.
    fn message(&mut self, tag: u32, message: &impl Message) {
        self.counted_message(tag, Length::of(message), message);
    }

    fn string(&mut self, tag: u32, value: &str) {
        // proto3: an empty string is the default and is not written (except in a oneof).
        if !value.is_empty() {
            self.bytes(tag, value.as_bytes());
        }
    }
}

trait Message {
    fn fields(&self, out: &mut impl Output);
}

const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LENGTH_DELIMITED: u32 = 2;
const FIXED32: u32 = 5;

/// The number of bytes of a varint (seven bits per byte).
fn varint_length(value: u64) -> usize {
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

fn key_length(tag: u32) -> usize {
    varint_length(u64::from(tag << 3))
}

struct Length(usize);

impl Length {
    fn of(message: &impl Message) -> usize {
        let mut length = Length(0);
        message.fields(&mut length);
        length.0
    }
}

impl Output for Length {
    fn varint(&mut self, tag: u32, value: u64) {
        self.0 += key_length(tag) + varint_length(value);
    }
    fn fixed32(&mut self, tag: u32, _: u32) {
        self.0 += key_length(tag) + 4;
    }
    fn fixed64(&mut self, tag: u32, _: u64) {
        self.0 += key_length(tag) + 8;
    }
    fn bytes(&mut self, tag: u32, value: &[u8]) {
        self.0 += key_length(tag) + varint_length(value.len() as u64) + value.len();
    }
    fn counted_message(&mut self, tag: u32, length: usize, _: &impl Message) {
        self.0 += key_length(tag) + varint_length(length as u64) + length;
    }
}

struct Bytes(Vec<u8>);

impl Bytes {
    fn raw_varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push(value as u8 | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }

    fn key(&mut self, tag: u32, wire_type: u32) {
        self.raw_varint(u64::from(tag << 3 | wire_type));
    }

    /// The key and length of a length-delimited field whose content follows.
    fn header(&mut self, tag: u32, length: usize) {
        self.key(tag, LENGTH_DELIMITED);
        self.raw_varint(length as u64);
    }
}

impl Output for Bytes {
    fn varint(&mut self, tag: u32, value: u64) {
        self.key(tag, VARINT);
        self.raw_varint(value);
    }
    fn fixed32(&mut self, tag: u32, value: u32) {
        self.key(tag, FIXED32);
        self.0.extend_from_slice(&value.to_le_bytes());
    }
    fn fixed64(&mut self, tag: u32, value: u64) {
        self.key(tag, FIXED64);
        self.0.extend_from_slice(&value.to_le_bytes());
    }
    fn bytes(&mut self, tag: u32, value: &[u8]) {
        self.header(tag, value.len());
        self.0.extend_from_slice(value);
    }
    fn counted_message(&mut self, tag: u32, length: usize, message: &impl Message) {
        self.header(tag, length);
        message.fields(self);
    }
}

/// proto3 leaves zero scalars out.
fn nonzero_varint(out: &mut impl Output, tag: u32, value: u64) {
    if value != 0 {
        out.varint(tag, value);
    }
}

fn nonzero_fixed64(out: &mut impl Output, tag: u32, value: u64) {
    if value != 0 {
        out.fixed64(tag, value);
    }
}

fn unix_nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64)
}

fn attributes<'a>(out: &mut impl Output, tag: u32, list: impl IntoIterator<Item = &'a KeyValue>) {
    for attribute in list {
        out.message(
            tag,
            &KeyValueMessage(attribute.key.as_str(), &attribute.value),
        );
    }
}

/// `SpanFlags`: the W3C trace flags, plus whether the parent is known to be remote.
fn span_flags(context: &SpanContext, parent_is_remote: bool) -> u32 {
    const HAS_IS_REMOTE: u32 = 0x100;
    const IS_REMOTE: u32 = 0x200;
    let remote = if parent_is_remote { IS_REMOTE } else { 0 };
    u32::from(context.trace_flags().to_u8()) | HAS_IS_REMOTE | remote
}

/// `ExportTraceServiceRequest`: one `ResourceSpans`. Each span's length is counted once,
/// up front, so that the enclosing messages are measured without counting spans again.
struct RequestMessage<'a> {
    resource: &'a Resource,
    spans: &'a [SpanData],
    scopes: Vec<(&'a InstrumentationScope, Vec<usize>)>,
    span_lengths: Vec<usize>,
}

impl Message for RequestMessage<'_> {
    fn fields(&self, out: &mut impl Output) {
        out.message(1, &ResourceSpansMessage(self));
    }
}

/// `opentelemetry.proto.trace.v1.ResourceSpans`
struct ResourceSpansMessage<'a>(&'a RequestMessage<'a>);

impl Message for ResourceSpansMessage<'_> {
    fn fields(&self, out: &mut impl Output) {
        let request = self.0;
        out.message(1, &ResourceMessage(request.resource));
        for (scope, members) in &request.scopes {
            out.message(2, &ScopeSpansMessage(request, scope, members));
        }
        out.string(3, request.resource.schema_url().unwrap_or_default());
    }
}

/// `opentelemetry.proto.trace.v1.ScopeSpans`: the spans at `members` of the request.
struct ScopeSpansMessage<'a>(
    &'a RequestMessage<'a>,
    &'a InstrumentationScope,
    &'a [usize],
);

impl Message for ScopeSpansMessage<'_> {
    fn fields(&self, out: &mut impl Output) {
        let Self(request, scope, members) = *self;
        out.message(1, &ScopeMessage(scope));
        for &i in members {
            out.counted_message(2, request.span_lengths[i], &SpanMessage(&request.spans[i]));
        }
        out.string(3, scope.schema_url().unwrap_or_default());
    }
}

/// `opentelemetry.proto.resource.v1.Resource`
struct ResourceMessage<'a>(&'a Resource);

impl Message for ResourceMessage<'_> {
    fn fields(&self, out: &mut impl Output) {
        for (key, value) in self.0.iter() {
            out.message(1, &KeyValueMessage(key.as_str(), value));
        }
    }
}

/// `opentelemetry.proto.common.v1.InstrumentationScope`
struct ScopeMessage<'a>(&'a InstrumentationScope);

impl Message for ScopeMessage<'_> {
    fn fields(&self, out: &mut impl Output) {
        out.string(1, self.0.name());
        out.string(2, self.0.version().unwrap_or_default());
        attributes(out, 3, self.0.attributes());
    }
}

/// `opentelemetry.proto.trace.v1.Span`
struct SpanMessage<'a>(&'a SpanData);

impl Message for SpanMessage<'_> {
    fn fields(&self, out: &mut impl Output) {
        let span = self.0;
        let context = &span.span_context;
        out.bytes(1, &context.trace_id().to_bytes());
        out.bytes(2, &context.span_id().to_bytes());
        out.string(3, &context.trace_state().header());
        if span.parent_span_id != opentelemetry::trace::SpanId::INVALID {
            out.bytes(4, &span.parent_span_id.to_bytes());
        }
        out.string(5, &span.name);
        nonzero_varint(out, 6, span_kind(&span.span_kind));
        nonzero_fixed64(out, 7, unix_nanos(span.start_time));
        nonzero_fixed64(out, 8, unix_nanos(span.end_time));
        attributes(out, 9, &span.attributes);
        nonzero_varint(out, 10, u64::from(span.dropped_attributes_count));
        for event in span.events.iter() {
            out.message(11, &EventMessage(event));
        }
        nonzero_varint(out, 12, u64::from(span.events.dropped_count));
        for link in span.links.iter() {
            out.message(13, &LinkMessage(link));
        }
        nonzero_varint(out, 14, u64::from(span.links.dropped_count));
        out.message(15, &StatusMessage(&span.status));
        out.fixed32(16, span_flags(context, span.parent_span_is_remote));
    }
}

/// `Span.SpanKind`
fn span_kind(kind: &SpanKind) -> u64 {
    match kind {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

/// `Span.Event`
struct EventMessage<'a>(&'a Event);

impl Message for EventMessage<'_> {
    fn fields(&self, out: &mut impl Output) {
        nonzero_fixed64(out, 1, unix_nanos(self.0.timestamp));
        out.string(2, &self.0.name);
        attributes(out, 3, &self.0.attributes);
        nonzero_varint(out, 4, u64::from(self.0.dropped_attributes_count));
    }
}

/// `Span.Link`
struct LinkMessage<'a>(&'a Link);

impl Message for LinkMessage<'_> {
    fn fields(&self, out: &mut impl Output) {
        let context = &self.0.span_context;
        out.bytes(1, &context.trace_id().to_bytes());
        out.bytes(2, &context.span_id().to_bytes());
        out.string(3, &context.trace_state().header());
        attributes(out, 4, &self.0.attributes);
        nonzero_varint(out, 5, u64::from(self.0.dropped_attributes_count));
        out.fixed32(6, span_flags(context, context.is_remote()));
    }
}

/// `opentelemetry.proto.trace.v1.Status`
struct StatusMessage<'a>(&'a Status);

impl Message for StatusMessage<'_> {
    fn fields(&self, out: &mut impl Output) {
        let code = match self.0 {
            Status::Unset => 0,
            Status::Ok => 1,
            Status::Error { description } => {
                out.string(2, description);
                2
            }
        };
        nonzero_varint(out, 3, code);
    }
}

/// `opentelemetry.proto.common.v1.KeyValue`
struct KeyValueMessage<'a>(&'a str, &'a Value);

impl Message for KeyValueMessage<'_> {
    fn fields(&self, out: &mut impl Output) {
        out.string(1, self.0);
        out.message(2, &AnyValue::from(self.1));
    }
}

/// `opentelemetry.proto.common.v1.AnyValue`, borrowing what it writes.
enum AnyValue<'a> {
    Text(Cow<'a, str>),
    Bool(bool),
    Int(i64),
    Double(f64),
    Array(&'a Array),
}

impl<'a> From<&'a Value> for AnyValue<'a> {
    fn from(value: &'a Value) -> Self {
        match value {
            Value::Bool(value) => Self::Bool(*value),
            Value::I64(value) => Self::Int(*value),
            Value::F64(value) => Self::Double(*value),
            Value::Array(array) => Self::Array(array),
            // Strings, and any kind a later opentelemetry adds, as text.
            other => Self::Text(other.as_str()),
        }
    }
}

impl Message for AnyValue<'_> {
    /// A oneof: even a default value is written.
    fn fields(&self, out: &mut impl Output) {
        match self {
            Self::Text(text) => out.bytes(1, text.as_bytes()),
            Self::Bool(value) => out.varint(2, u64::from(*value)),
            Self::Int(value) => out.varint(3, *value as u64),
            Self::Double(value) => out.fixed64(4, value.to_bits()),
            Self::Array(array) => out.message(5, &ArrayMessage(array)),
        }
    }
}

/// `opentelemetry.proto.common.v1.ArrayValue`
struct ArrayMessage<'a>(&'a Array);

impl Message for ArrayMessage<'_> {
    fn fields(&self, out: &mut impl Output) {
        let mut element = |value: AnyValue| out.message(1, &value);
        match self.0 {
            Array::Bool(values) => values.iter().for_each(|v| element(AnyValue::Bool(*v))),
            Array::I64(values) => values.iter().for_each(|v| element(AnyValue::Int(*v))),
            Array::F64(values) => values.iter().for_each(|v| element(AnyValue::Double(*v))),
            Array::String(values) => values
                .iter()
                .for_each(|v| element(AnyValue::Text(Cow::Borrowed(v.as_str())))),
            other => element(AnyValue::Text(Cow::Owned(other.to_string()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use opentelemetry::trace::{SpanId, TraceFlags, TraceId, TraceState};
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
    use prost::Message as _;

    use super::*;

    fn context(trace: u128, span: u64, sampled: bool, remote: bool, state: &str) -> SpanContext {
        let flags = if sampled {
            TraceFlags::SAMPLED
        } else {
            TraceFlags::default()
        };
        let state = state.parse::<TraceState>().unwrap_or_default();
        SpanContext::new(
            TraceId::from(trace),
            SpanId::from(span),
            flags,
            remote,
            state,
        )
    }

    fn every_kind_of_attribute() -> Vec<KeyValue> {
        vec![
            KeyValue::new("text", "é, ünïcode and \"quotes\""),
            KeyValue::new("empty", ""),
            KeyValue::new("yes", true),
            KeyValue::new("no", false),
            KeyValue::new("zero", 0_i64),
            KeyValue::new("negative", -42_i64),
            KeyValue::new("big", i64::MAX),
            KeyValue::new("float", -1.5_f64),
            KeyValue::new("float zero", 0.0_f64),
            KeyValue::new("bools", Value::Array(Array::Bool(vec![true, false]))),
            KeyValue::new("ints", Value::Array(Array::I64(vec![0, -1, 300]))),
            KeyValue::new("floats", Value::Array(Array::F64(vec![]))),
            KeyValue::new(
                "strings",
                Value::Array(Array::String(vec!["a".into(), "".into()])),
            ),
            KeyValue::new("long", "x".repeat(300)),
        ]
    }

    fn span(i: u64, scope: &InstrumentationScope) -> SpanData {
        let start = UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789 + i);
        let mut events = SpanEvents::default();
        events.events.push(Event::new(
            "exception",
            start,
            vec![KeyValue::new("exception.message", "boom")],
            1,
        ));
        events.dropped_count = 2;
        let mut links = SpanLinks::default();
        links.links.push(Link::new(
            context(99, 98, true, true, "vendor=value,other=1"),
            vec![KeyValue::new("link", 1_i64)],
            3,
        ));
        links.dropped_count = 4;
        SpanData {
            span_context: context(
                0xabc0 + u128::from(i),
                0x10 + i,
                i.is_multiple_of(2),
                false,
                "",
            ),
            parent_span_id: if i.is_multiple_of(3) {
                SpanId::INVALID
            } else {
                SpanId::from(7 + i)
            },
            parent_span_is_remote: i % 4 == 1,
            span_kind: [SpanKind::Server, SpanKind::Client, SpanKind::Internal][i as usize % 3]
                .clone(),
            name: Cow::Owned(format!("GET /v1/products/{{name}} {i}")),
            start_time: start,
            end_time: start + Duration::from_micros(250 * i),
            attributes: if i == 0 {
                vec![]
            } else {
                every_kind_of_attribute()
            },
            dropped_attributes_count: i as u32,
            events,
            links,
            status: match i % 3 {
                0 => Status::Unset,
                1 => Status::Ok,
                _ => Status::error("503 Service Unavailable"),
            },
            instrumentation_scope: scope.clone(),
        }
    }

    /// What opentelemetry-otlp would send for the same spans.
    fn reference(resource: &Resource, spans: Vec<SpanData>) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(
                spans,
                &ResourceAttributesWithSchema::from(resource),
            ),
        }
    }

    #[test]
    fn writes_what_opentelemetry_otlp_writes() {
        let resource = Resource::builder()
            .with_service_name("products-api")
            .with_attribute(KeyValue::new("service.version", "1.2.3"))
            .build();
        let ours = InstrumentationScope::builder("products-api").build();
        let other = InstrumentationScope::builder("library")
            .with_version("0.1")
            .with_schema_url("https://opentelemetry.io/schemas/1.30.0")
            .with_attributes([KeyValue::new("scope.attribute", 1_i64)])
            .build();
        let spans: Vec<SpanData> = (0..12)
            .map(|i| span(i, if i % 5 == 3 { &other } else { &ours }))
            .collect();

        let body = export_request(&resource, &spans);

        let decoded = ExportTraceServiceRequest::decode(body.as_slice()).expect("valid protobuf");
        let scopes = &decoded.resource_spans[0].scope_spans;
        assert_eq!(scopes.len(), 2);
        assert_eq!(scopes.iter().map(|s| s.spans.len()).sum::<usize>(), 12);
        assert_eq!(decoded, reference(&resource, spans));
    }

    #[test]
    fn an_empty_batch_is_one_resource_with_no_spans() {
        let resource = Resource::builder()
            .with_service_name("products-api")
            .build();
        let decoded = ExportTraceServiceRequest::decode(export_request(&resource, &[]).as_slice())
            .expect("valid protobuf");
        assert_eq!(decoded, reference(&resource, vec![]));
    }

    #[test]
    fn varint_lengths() {
        for (value, length) in [(0, 1), (1, 1), (127, 1), (128, 2), (16_383, 2), (16_384, 3)] {
            assert_eq!(varint_length(value), length, "{value}");
        }
        assert_eq!(varint_length(u64::MAX), 10);
    }
}
