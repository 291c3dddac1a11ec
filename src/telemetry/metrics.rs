//! Prometheus metrics with the names, types and labels of contract §8, served on their own
//! listener. Labels carry route templates and statuses only, never a raw path or a name.

use poem::{Endpoint, Response};
use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

/// Seconds; from 0.5 ms (a cached read) to 10 s (the request timeout).
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The route label of requests whose path matches no route (the 404s of unknown paths).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Every metric the service exports, registered in its own registry.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    request_duration: HistogramVec,
    pub(super) in_flight: IntGauge,
    pool_connections: IntGaugeVec,
    query_duration: HistogramVec,
    adjustments: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("http_server_requests_total", "HTTP requests answered."),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let request_duration = HistogramVec::new(
            HistogramOpts::new(
                "http_server_request_duration_seconds",
                "Time from request to response head.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let in_flight = IntGauge::new("http_server_requests_in_flight", "Requests being handled.")
            .expect("valid metric");
        let pool_connections = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections by state."),
            &["state"],
        )
        .expect("valid metric");
        let query_duration = HistogramVec::new(
            HistogramOpts::new("db_query_duration_seconds", "Database statement duration.")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["operation"],
        )
        .expect("valid metric");
        let adjustments = IntCounterVec::new(
            Opts::new(
                "inventory_adjustments_total",
                "Quantity adjustments by outcome.",
            ),
            &["result"],
        )
        .expect("valid metric");
        let build_info = GaugeVec::new(
            Opts::new("build_info", "Always 1; labels name the running build."),
            &["version", "revision"],
        )
        .expect("valid metric");
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION"), crate::build::REVISION])
            .set(1.0);
        for state in ["idle", "in_use"] {
            pool_connections.with_label_values(&[state]).set(0);
        }
        for result in ["applied", "rejected"] {
            adjustments.with_label_values(&[result]);
        }
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(request_duration.clone()),
            Box::new(in_flight.clone()),
            Box::new(pool_connections.clone()),
            Box::new(query_duration.clone()),
            Box::new(adjustments.clone()),
            Box::new(build_info),
            Box::new(prometheus::process_collector::ProcessCollector::for_self()),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }
        Self {
            registry,
            requests,
            request_duration,
            in_flight,
            pool_connections,
            query_duration,
            adjustments,
        }
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("text encoding of gathered metrics");
        String::from_utf8(buffer).expect("exposition is UTF-8")
    }

    pub fn set_pool(&self, idle: u32, in_use: u32) {
        self.pool_connections
            .with_label_values(&["idle"])
            .set(i64::from(idle));
        self.pool_connections
            .with_label_values(&["in_use"])
            .set(i64::from(in_use));
    }

    /// Records one database statement; `sql` is only used for its first keyword.
    pub fn observe_query(&self, sql: &str, seconds: f64) {
        let operation = match super::database::operation(sql).as_ref() {
            "SELECT" => "select",
            "INSERT" => "insert",
            "UPDATE" => "update",
            "DELETE" => "delete",
            _ => "other",
        };
        self.query_duration
            .with_label_values(&[operation])
            .observe(seconds);
    }

    /// Counts and times one answered request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.request_duration
            .with_label_values(&labels)
            .observe(seconds);
    }

    pub fn count_adjustment(&self, applied: bool) {
        let result = if applied { "applied" } else { "rejected" };
        self.adjustments.with_label_values(&[result]).inc();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The metrics listener's endpoint: `GET /metrics`, refreshing the pool gauges first.
pub fn endpoint(
    metrics: Metrics,
    pool_state: impl Fn() -> (u32, u32) + Send + Sync + 'static,
) -> impl Endpoint<Output = Response> {
    poem::Route::new().at(
        "/metrics",
        poem::get(poem::endpoint::make_sync(move |_| {
            let (idle, in_use) = pool_state();
            metrics.set_pool(idle, in_use);
            Response::builder()
                .content_type("text/plain; version=0.0.4; charset=utf-8")
                .body(metrics.render())
        })),
    )
}
