//! Builds the running service from its settings: database, migrations, both listeners.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::{EndpointExt, Server};
use sea_orm::DatabaseConnection;

use crate::config::{ConfigError, Settings};
use crate::shutdown::Shutdown;
use crate::slow_clients::RequestDeadline;
use crate::store::{Store, migrations, pool};
use crate::telemetry::http::RequestTelemetry;
use crate::telemetry::metrics::{self, Metrics};

/// Idle keep-alive connections are closed after this; longer than the ALB's 60 s idle timeout,
/// so the load balancer, not the target, closes them first (which avoids 502s).
const KEEP_ALIVE_IDLE: Duration = Duration::from_secs(75);

/// After SIGTERM, how long the listener keeps accepting (at most half the grace period).
pub const DRAIN: Duration = Duration::from_secs(1);

/// How often expired idempotency keys are deleted (and once at start).
const IDEMPOTENCY_PURGE_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// How often SQLite's write-ahead log is folded into the database file and truncated. Often,
/// because writers wait for each checkpoint to finish, and a longer interval leaves it more to
/// do: at 10 s the benchmark's SQLite update p99 was 517 ms, at 2 s 118 ms (docs/performance.md).
pub const WAL_CHECKPOINT_INTERVAL: Duration = Duration::from_secs(2);

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot connect to the database {url}: {source}")]
    Database {
        url: String,
        #[source]
        source: sea_orm::DbErr,
    },
    #[error("migrations failed: {0}")]
    Migrations(#[source] sea_orm::DbErr),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("serving failed: {0}")]
    Serve(#[source] io::Error),
}

/// A service with its database ready and its listeners bound, not yet serving.
pub struct Application {
    api: TcpAcceptor,
    metrics_listener: TcpAcceptor,
    store: Store,
    metrics: Metrics,
    settings: Settings,
}

/// Opens the database pool described by `settings`, recording every statement's duration.
pub async fn connect(
    settings: &Settings,
    metrics: &Metrics,
) -> Result<DatabaseConnection, StartupError> {
    let url = settings.database_url()?;
    let mut db = pool::connect(url.expose(), &settings.pool_settings())
        .await
        .map_err(|source| StartupError::Database {
            url: url.to_string(),
            source,
        })?;
    let metrics = metrics.clone();
    db.set_metric_callback(move |info| {
        metrics.observe_query(&info.statement.sql, info.elapsed.as_secs_f64());
    });
    tracing::info!(database = %url, "connected");
    Ok(db)
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let metrics = Metrics::new();
        let db = connect(&settings, &metrics).await?;
        if settings.migrate_on_start {
            migrations::run(&db, migrations::Action::Up)
                .await
                .map_err(StartupError::Migrations)?;
        }
        let api = bind(settings.listen_addr).await?;
        let metrics_listener = bind(settings.metrics_addr).await?;
        Ok(Self {
            api,
            metrics_listener,
            store: Store::new(db),
            metrics,
            settings,
        })
    }

    pub fn api_addr(&self) -> SocketAddr {
        local_addr(&self.api)
    }

    pub fn metrics_addr(&self) -> SocketAddr {
        local_addr(&self.metrics_listener)
    }

    /// Serves until `shutdown` fires; then keeps the listener open for [`DRAIN`] (answers say
    /// `Connection: close`) so connections already queued are served rather than reset; then
    /// stops accepting, lets in-flight requests finish within the rest of the grace period, and
    /// closes the database pool.
    pub async fn run_until_stopped(self, shutdown: Shutdown) -> io::Result<()> {
        let Self {
            api,
            metrics_listener,
            store,
            metrics,
            settings,
        } = self;
        let drain = DRAIN.min(settings.shutdown_grace() / 2);
        let grace = Some(settings.shutdown_grace() - drain);
        let stop_accepting = |shutdown: Shutdown| async move {
            shutdown.requested().await;
            tokio::time::sleep(drain).await;
        };
        let (api_endpoint, routes) = crate::api::endpoint(
            store.clone(),
            metrics.clone(),
            settings.request_timeout(),
            shutdown.clone(),
        );
        let api_endpoint = api_endpoint.with(RequestTelemetry {
            metrics: metrics.clone(),
            routes: Arc::new(routes),
        });
        let pool_store = store.clone();
        let metrics_endpoint = metrics::endpoint(metrics, move || pool_store.pool_state());

        tracing::info!(api = %local_addr(&api), metrics = %local_addr(&metrics_listener), "serving");
        // Longer than the request timeout, so a slow handler or body gets its 503 first.
        let api = RequestDeadline {
            inner: api,
            limit: settings.request_timeout() + Duration::from_secs(1),
        };
        let api_server = Server::new_with_acceptor(api)
            .idle_timeout(KEEP_ALIVE_IDLE)
            .run_with_graceful_shutdown(api_endpoint, stop_accepting(shutdown.clone()), grace);
        let purge = every(IDEMPOTENCY_PURGE_INTERVAL, shutdown.clone(), || {
            purge_expired_idempotency_keys(&store)
        });
        let checkpoint = every(WAL_CHECKPOINT_INTERVAL, shutdown.clone(), || {
            truncate_wal(&store)
        });
        let metrics_server = Server::new_with_acceptor(metrics_listener)
            .run_with_graceful_shutdown(metrics_endpoint, stop_accepting(shutdown), grace);
        let (api_result, metrics_result, (), ()) =
            tokio::join!(api_server, metrics_server, purge, checkpoint);
        if let Err(err) = store.close().await {
            tracing::warn!(error = %err, "closing the database pool");
        }
        tracing::info!("stopped");
        api_result.and(metrics_result)
    }
}

/// Runs `task` now and then every `period` until shutdown is requested.
async fn every<Task: Future<Output = ()>>(
    period: Duration,
    shutdown: Shutdown,
    mut task: impl FnMut() -> Task,
) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stopped = shutdown.requested();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            () = &mut stopped => return,
            _ = ticks.tick() => task().await,
        }
    }
}

/// Every replica purges; the deletes are idempotent.
async fn purge_expired_idempotency_keys(store: &Store) {
    match store.purge_expired_idempotency_keys().await {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, "expired idempotency keys deleted"),
        Err(err) => tracing::warn!(error = %err, "deleting expired idempotency keys"),
    }
}

/// A checkpoint that could not finish is retried at the next tick; only a failure is logged.
async fn truncate_wal(store: &Store) {
    if let Err(err) = store.truncate_wal().await {
        tracing::warn!(error = %err, "checkpointing the SQLite write-ahead log");
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpAcceptor, StartupError> {
    TcpListener::bind(addr)
        .into_acceptor()
        .await
        .map_err(|source| StartupError::Listen { addr, source })
}

fn local_addr(acceptor: &TcpAcceptor) -> SocketAddr {
    acceptor
        .local_addr()
        .first()
        .and_then(|addr| addr.as_socket_addr().copied())
        .expect("a TCP acceptor has a socket address")
}
