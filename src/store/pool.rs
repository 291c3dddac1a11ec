use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// How the connection pool behaves; from the service configuration.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// How long a request waits for a free connection before it is answered 503.
    pub acquire_timeout: Duration,
    /// Upper bound for one statement on PostgreSQL, so a stuck query cannot hold a connection.
    pub statement_timeout: Duration,
}

/// How long SQLite waits on a writer's lock before giving up (then the request gets 503).
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Negative: in KiB, per connection (SQLite's `cache_size`).
const SQLITE_PAGE_CACHE: &str = "-512";

/// A pooled connection idle at least this long is pinged before a request gets it. sqlx's
/// default pings on every checkout, a full round trip to the database per request (measured in
/// docs/performance.md); a connection in steady use skips it. Every connection is flushed as it
/// returns to the pool (vendor/README.md), so one whose socket failed is closed there, not
/// handed out again; this ping catches one that broke while it sat idle.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// Opens the pool. `url` is `sqlite:…` or `postgres:…` (checked by the configuration).
pub async fn connect(url: &str, settings: &PoolSettings) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.max_connections)
        .min_connections(1)
        .acquire_timeout(settings.acquire_timeout)
        .connect_timeout(settings.acquire_timeout)
        .statement_timeout(settings.statement_timeout)
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        .set_application_name("products-api")
        // One line per statement only at debug level; slow ones are always worth a warning.
        .sqlx_logging(true)
        .sqlx_logging_level(log::LevelFilter::Debug)
        .sqlx_slow_statements_logging_settings(log::LevelFilter::Warn, Duration::from_millis(500))
        // WAL lets readers proceed beside the single writer; writers queue on the busy timeout
        // instead of failing at once. NORMAL sync is durable across process crashes in WAL mode.
        // Every pooled connection keeps its own page cache (2 MiB by default, 20 MiB for the
        // pool); 512 KiB each holds the hot pages, and the kernel's page cache has the rest.
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
                .pragma("cache_size", SQLITE_PAGE_CACHE)
        });
    Database::connect(options).await
}

/// Copies SQLite's write-ahead log into the database file and truncates the log. SQLite's own
/// checkpoints, every 1000 pages, can only restart the log when no connection is reading from
/// it, and under steady load one always is: the log then grows without bound (800 MB in two
/// minutes of the benchmark's writes), and so does its index, mapped into the process. This
/// one waits (up to the busy timeout) for readers to move to the latest snapshot; when it
/// cannot finish, the next call catches up. Nothing to do on PostgreSQL.
pub async fn truncate_wal(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    Ok(())
}

/// `(idle, in_use)` connections of the pool right now.
pub fn state(db: &DatabaseConnection) -> (u32, u32) {
    fn split(size: u32, idle: usize) -> (u32, u32) {
        let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
        (idle, size - idle)
    }
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            split(pool.size(), pool.num_idle())
        }
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            split(pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    }
}
