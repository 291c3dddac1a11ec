//! The benchmark's OTLP receiver: decodes every export request and counts requests, bytes and
//! spans. `GET /stats` on the HTTP port returns the counts as JSON; `POST /reset` zeroes them.
//!
//! Usage: `otlp-receiver HTTP_PORT GRPC_PORT` (loopback only; 0 picks a free port). Prints
//! `http=ADDR grpc=ADDR` once both listen.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use otlp_receiver::Sink;
use poem::endpoint::make_sync;
use poem::http::HeaderMap;
use poem::web::Json;
use poem::{Route, get, post};

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    bytes: AtomicU64,
    spans: AtomicU64,
}

/// What has been received, shared by the receiver and the `/stats` and `/reset` routes.
#[derive(Clone, Default)]
struct Counts(Arc<Tally>);

impl Counts {
    fn all(&self) -> [&AtomicU64; 3] {
        [&self.0.requests, &self.0.bytes, &self.0.spans]
    }
}

impl Sink for Counts {
    fn accept(&self, request: ExportTraceServiceRequest, encoded_len: usize, _: &HeaderMap) {
        let spans: usize = request
            .resource_spans
            .iter()
            .flat_map(|resource| &resource.scope_spans)
            .map(|scope| scope.spans.len())
            .sum();
        let tally = &self.0;
        tally.requests.fetch_add(1, Ordering::Relaxed);
        tally.bytes.fetch_add(encoded_len as u64, Ordering::Relaxed);
        tally.spans.fetch_add(spans as u64, Ordering::Relaxed);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let mut ports = std::env::args().skip(1).map(|arg| {
        arg.parse::<u16>()
            .map_err(|_| std::io::Error::other("usage: otlp-receiver HTTP_PORT GRPC_PORT"))
    });
    let (http, grpc) = (
        ports.next().unwrap_or(Ok(4318))?,
        ports.next().unwrap_or(Ok(4317))?,
    );
    let loopback = |port| SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let counts = Counts::default();
    let stats = {
        let counts = counts.clone();
        make_sync(move |_| {
            let [requests, bytes, spans] = counts.all().map(|count| count.load(Ordering::Relaxed));
            Json(serde_json::json!({"requests": requests, "bytes": bytes, "spans": spans}))
        })
    };
    let reset = {
        let counts = counts.clone();
        make_sync(move |_| {
            for count in counts.all() {
                count.store(0, Ordering::Relaxed);
            }
            Json(serde_json::json!({}))
        })
    };
    let routes = Route::new()
        .at("/stats", get(stats))
        .at("/reset", post(reset));
    let endpoints = otlp_receiver::start(counts, loopback(grpc), loopback(http), routes).await?;
    println!("http={} grpc={}", endpoints.http, endpoints.grpc);
    std::future::pending().await
}
