use sea_orm::{DbErr, RuntimeErr, sqlx};

/// Why a repository call did not do what was asked. Domain outcomes first, then infrastructure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no product with that name")]
    NotFound,
    #[error("a product with that name already exists")]
    AlreadyExists,
    #[error("the product's current version does not satisfy the request's precondition")]
    PreconditionFailed,
    #[error("the adjustment would take the quantity outside 0–2147483647")]
    OutOfRange,
    /// The database cannot be reached or is too busy right now; retrying later may succeed.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] DbErr),
    #[error("database error: {0}")]
    Internal(#[source] DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        if is_transient(&err) {
            Self::Unavailable(err)
        } else {
            Self::Internal(err)
        }
    }
}

/// True for failures of the connection rather than of the statement: the pool timed out, the
/// server went away, is shutting down or refuses connections, or SQLite stayed locked.
fn is_transient(err: &DbErr) -> bool {
    let sqlx_err = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx_err.as_ref() {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // PostgreSQL classes 08 (connection exception) and 57 (operator intervention,
            // including 57014: the statement timeout cancelled the query);
            // SQLite 5/6 (SQLITE_BUSY/SQLITE_LOCKED after the busy timeout).
            code.starts_with("08") || code.starts_with("57") || code == "5" || code == "6"
        }),
        _ => false,
    }
}
