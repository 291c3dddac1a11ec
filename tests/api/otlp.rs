//! A real OTLP receiver (gRPC and HTTP/protobuf) and the real binary exporting to it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as ProtoValue;
use poem::http::HeaderMap;

/// An attribute value as received.
#[derive(Debug, Clone, PartialEq)]
pub enum Attr {
    Str(String),
    Int(i64),
    Other(String),
}

/// One received span, flattened.
#[derive(Debug, Clone)]
pub struct ReceivedSpan {
    pub name: String,
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: String,
    /// 2 = SERVER, 3 = CLIENT.
    pub kind: i32,
    /// 2 = ERROR.
    pub status_code: i32,
    pub start_time_unix_nano: u64,
    pub attributes: HashMap<String, Attr>,
    /// The attributes of the resource the span was sent under.
    pub resource: HashMap<String, Attr>,
}

impl ReceivedSpan {
    pub fn attr(&self, key: &str) -> Option<&Attr> {
        self.attributes.get(key)
    }

    /// The resource's `service.name`.
    pub fn service_name(&self) -> Option<&str> {
        match self.resource.get("service.name") {
            Some(Attr::Str(name)) => Some(name),
            _ => None,
        }
    }
}

/// Keeps every span received, and the headers of every export request.
#[derive(Clone, Default)]
struct Kept {
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
    headers: Arc<Mutex<Vec<HeaderMap>>>,
}

impl otlp_receiver::Sink for Kept {
    fn accept(&self, request: ExportTraceServiceRequest, _: usize, headers: &HeaderMap) {
        self.headers.lock().unwrap().push(headers.clone());
        let mut spans = self.spans.lock().unwrap();
        for resource_spans in request.resource_spans {
            let resource = resource_spans
                .resource
                .map(|r| attributes(&r.attributes))
                .unwrap_or_default();
            for scope in resource_spans.scope_spans {
                for span in scope.spans {
                    spans.push(ReceivedSpan {
                        name: span.name,
                        trace_id: hex(&span.trace_id),
                        span_id: hex(&span.span_id),
                        parent_span_id: hex(&span.parent_span_id),
                        kind: span.kind,
                        status_code: span.status.map(|s| s.code).unwrap_or(0),
                        start_time_unix_nano: span.start_time_unix_nano,
                        attributes: attributes(&span.attributes),
                        resource: resource.clone(),
                    });
                }
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn attributes(list: &[KeyValue]) -> HashMap<String, Attr> {
    list.iter()
        .map(|kv| {
            let value = match kv.value.as_ref().and_then(|v| v.value.clone()) {
                Some(ProtoValue::StringValue(s)) => Attr::Str(s),
                Some(ProtoValue::IntValue(i)) => Attr::Int(i),
                other => Attr::Other(format!("{other:?}")),
            };
            (kv.key.clone(), value)
        })
        .collect()
}

/// Listens for OTLP/gRPC and OTLP/HTTP (protobuf at `/v1/traces`) on loopback.
pub struct Receiver {
    pub grpc: SocketAddr,
    pub http: SocketAddr,
    kept: Kept,
}

impl Receiver {
    pub async fn start() -> Self {
        let kept = Kept::default();
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        let endpoints = otlp_receiver::start(kept.clone(), any_port, any_port, poem::Route::new())
            .await
            .unwrap();
        Self {
            grpc: endpoints.grpc,
            http: endpoints.http,
            kept,
        }
    }

    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.kept.spans.lock().unwrap().clone()
    }

    /// The headers of every export request received so far.
    pub fn request_headers(&self) -> Vec<HeaderMap> {
        self.kept.headers.lock().unwrap().clone()
    }

    /// Waits up to 15 s for a span that `matches`.
    pub async fn wait_for(
        &self,
        what: &str,
        matches: impl Fn(&ReceivedSpan) -> bool,
    ) -> ReceivedSpan {
        for _ in 0..300 {
            if let Some(span) = self.spans().into_iter().find(|s| matches(s)) {
                return span;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "no span {what} arrived; got {:#?}",
            self.spans().iter().map(|s| &s.name).collect::<Vec<_>>()
        );
    }
}

/// The real binary, serving on free loopback ports with `env`.
pub struct Service {
    child: Option<Child>,
    pub base: String,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Service {
    pub async fn start(database_url: &str, env: &[(&str, String)], stdout: Stdio) -> Self {
        let (port, metrics_port) = (free_port(), free_port());
        let mut command = Command::new(env!("CARGO_BIN_EXE_products-api"));
        command
            .env_remove("DATABASE_URL")
            .env("DATABASE_URL", database_url)
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
            .env("SHUTDOWN_GRACE_SECONDS", "5")
            .stdout(stdout);
        for key in [
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_SDK_DISABLED",
            "OTEL_RESOURCE_ATTRIBUTES",
            "OTEL_SERVICE_NAME",
            "OTEL_TRACES_SAMPLER",
            "OTEL_TRACES_SAMPLER_ARG",
        ] {
            command.env_remove(key);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().expect("start products-api");
        let service = Self {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if reqwest::get(format!("{}/healthz", service.base))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return service;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("products-api did not come up");
    }

    /// SIGTERM, then the exit status.
    pub async fn terminate(self) -> std::process::ExitStatus {
        let child = self.signal_terminate();
        tokio::task::spawn_blocking(move || child.wait_with_output().unwrap().status)
            .await
            .unwrap()
    }

    /// Stops the service and returns what it printed (when started with piped stdout).
    pub async fn output(self) -> String {
        let child = self.signal_terminate();
        let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn signal_terminate(mut self) -> Child {
        let child = self.child.take().expect("running");
        let pid = child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        child
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
