//! Trace and span ids: made the way X-Ray accepts them, and written as lower-case hex wherever
//! a request shows them (log lines, problem bodies, the `traceresponse` header).
//!
//! Both run on every traced request, so neither goes through `format!`: opentelemetry-aws's
//! generator formats and re-parses hex for each trace id, and `{:032x}` on ids took a tenth of
//! telemetry's per-request instructions (docs/performance.md, telemetry on/off).

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{SpanContext, SpanId, TraceId};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};
use poem::http::HeaderValue;

/// X-Ray's trace id layout: the first 32 bits are the start time in epoch seconds, the other 96
/// are random (as opentelemetry-aws's `XrayIdGenerator` makes them).
#[derive(Debug, Default)]
pub struct XrayIds(RandomIdGenerator);

thread_local! {
    /// A trace id chosen by the caller for the next root span started on this thread.
    static ADOPTED_TRACE_ID: Cell<Option<TraceId>> = const { Cell::new(None) };
}

/// Runs `start_root_span` so that the root span it starts belongs to `trace_id`.
///
/// An ALB sends `X-Amzn-Trace-Id: Root=…` with no `Parent`: a trace id and no span to be a child
/// of. The SDK only takes a trace id from a parent span, so without this the request would get
/// a fresh trace id and its traces could not be found from the ALB's access log.
pub fn with_trace_id<T>(trace_id: TraceId, start_root_span: impl FnOnce() -> T) -> T {
    ADOPTED_TRACE_ID.set(Some(trace_id));
    let started = start_root_span();
    // Not left behind for an unrelated span when no trace id was drawn (e.g. tracing is off).
    ADOPTED_TRACE_ID.set(None);
    started
}

impl IdGenerator for XrayIds {
    fn new_trace_id(&self) -> TraceId {
        if let Some(adopted) = ADOPTED_TRACE_ID.take() {
            return adopted;
        }
        let random = u128::from_be_bytes(self.0.new_trace_id().to_bytes());
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        TraceId::from(u128::from(seconds as u32) << 96 | random >> 32)
    }

    fn new_span_id(&self) -> SpanId {
        self.0.new_span_id()
    }
}

/// `trace_id` as 32 hex digits.
pub fn trace_id_hex(ids: &SpanContext) -> String {
    to_hex(&ids.trace_id().to_bytes())
}

/// `span_id` as 16 hex digits.
pub fn span_id_hex(ids: &SpanContext) -> String {
    to_hex(&ids.span_id().to_bytes())
}

/// Through a buffer: `hex::encode` collects one `char` at a time.
fn to_hex(id: &[u8]) -> String {
    let mut buffer = [0; 32];
    let digits = &mut buffer[..id.len() * 2];
    hex::encode_to_slice(id, digits).expect("room for a trace id or a span id");
    String::from_utf8(digits.to_vec()).expect("hex digits are ASCII")
}

/// The W3C Trace Context Level 2 `traceresponse` value: `00-{trace id}-{span id}-{flags}`.
pub fn traceresponse(ids: &SpanContext) -> HeaderValue {
    let mut value = *b"00-00000000000000000000000000000000-0000000000000000-00";
    let encode = |bytes: &[u8], out: &mut [u8]| {
        hex::encode_to_slice(bytes, out).expect("the slots are twice the id sizes")
    };
    encode(&ids.trace_id().to_bytes(), &mut value[3..35]);
    encode(&ids.span_id().to_bytes(), &mut value[36..52]);
    encode(&[ids.trace_flags().to_u8()], &mut value[53..55]);
    HeaderValue::from_bytes(&value).expect("hex digits and dashes are a valid header value")
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{TraceFlags, TraceState};

    use super::*;

    #[test]
    fn trace_ids_start_with_the_current_epoch_second() {
        let ids = XrayIds::default();
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let (first, second) = (ids.new_trace_id(), ids.new_trace_id());
        let after = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        for id in [first, second] {
            let seconds = u64::from_str_radix(&format!("{id:032x}")[..8], 16).unwrap();
            assert!(
                (before..=after).contains(&seconds),
                "{id} against {before}..={after}"
            );
        }
        assert_ne!(first, second);
    }

    #[test]
    fn a_root_span_started_within_with_trace_id_gets_that_trace_id_and_no_other_does() {
        let ids = XrayIds::default();
        let alb = TraceId::from_hex("67891233abcdef012345678912345678").unwrap();
        assert_eq!(with_trace_id(alb, || ids.new_trace_id()), alb);
        assert_ne!(ids.new_trace_id(), alb);
        with_trace_id(alb, || ());
        assert_ne!(ids.new_trace_id(), alb, "an unused trace id is not kept");
    }

    #[test]
    fn writes_ids_as_opentelemetry_formats_them() {
        let ids = SpanContext::new(
            TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
            SpanId::from_hex("00f067aa0ba902b7").unwrap(),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        );
        assert_eq!(trace_id_hex(&ids), ids.trace_id().to_string());
        assert_eq!(span_id_hex(&ids), ids.span_id().to_string());
        assert_eq!(
            traceresponse(&ids),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        );
    }
}
