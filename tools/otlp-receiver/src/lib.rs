//! A real OTLP trace receiver: the collector's gRPC `TraceService` and its HTTP/protobuf
//! `POST /v1/traces`, both decoding every export request in full. products-api's telemetry
//! tests keep what it receives; the benchmark (`src/main.rs`) counts it.

use std::net::SocketAddr;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use poem::Route;
use poem::http::{HeaderMap, StatusCode};
use poem::listener::{Acceptor, Listener};
use prost::Message;

/// What is done with each decoded export request; `encoded_len` is its size on the wire,
/// `headers` its HTTP headers (gRPC metadata included).
pub trait Sink: Clone + Send + Sync + 'static {
    fn accept(&self, request: ExportTraceServiceRequest, encoded_len: usize, headers: &HeaderMap);
}

/// Where the receiver listens.
#[derive(Debug, Clone, Copy)]
pub struct Endpoints {
    pub grpc: SocketAddr,
    pub http: SocketAddr,
}

/// Serves OTLP/gRPC on `grpc` and OTLP/HTTP on `http` (port 0: any free one) from the current
/// tokio runtime; `extra` adds routes beside `/v1/traces` on the HTTP listener.
pub async fn start<S: Sink>(
    sink: S,
    grpc: SocketAddr,
    http: SocketAddr,
    extra: Route,
) -> std::io::Result<Endpoints> {
    let grpc_listener = tokio::net::TcpListener::bind(grpc).await?;
    let grpc = grpc_listener.local_addr()?;
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(GrpcService(sink.clone())))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(
                grpc_listener,
            )),
    );

    let acceptor = poem::listener::TcpListener::bind(http)
        .into_acceptor()
        .await?;
    let http = *acceptor.local_addr()[0]
        .as_socket_addr()
        .expect("a TCP listener has a socket address");
    let app = extra.at(
        "/v1/traces",
        poem::post(poem::endpoint::make(move |mut req: poem::Request| {
            let sink = sink.clone();
            async move {
                let body = req.take_body().into_bytes().await?;
                let encoded_len = body.len();
                let request = ExportTraceServiceRequest::decode(body).map_err(|e| {
                    poem::Error::from_string(e.to_string(), StatusCode::BAD_REQUEST)
                })?;
                sink.accept(request, encoded_len, req.headers());
                Ok::<_, poem::Error>(
                    poem::Response::builder()
                        .content_type("application/x-protobuf")
                        .body(empty_response().encode_to_vec()),
                )
            }
        })),
    );
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    Ok(Endpoints { grpc, http })
}

fn empty_response() -> ExportTraceServiceResponse {
    ExportTraceServiceResponse {
        partial_success: None,
    }
}

struct GrpcService<S>(S);

#[tonic::async_trait]
impl<S: Sink> TraceService for GrpcService<S> {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let headers = request.metadata().clone().into_headers();
        let request = request.into_inner();
        let encoded_len = request.encoded_len();
        self.0.accept(request, encoded_len, &headers);
        Ok(tonic::Response::new(empty_response()))
    }
}
