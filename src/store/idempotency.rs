//! `Idempotency-Key`: the first response to a keyed request is stored for 24 hours, in the same
//! transaction as the change it describes, so a retry gets that response and never applies twice.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, Statement, Value};
use serde::{Deserialize, Serialize};

use super::executor::{self, Executor};
use super::{Store, StoreError};

/// How long a key and its response are kept.
pub const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// A response as sent, to be sent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What a key means for this request.
pub enum Claim {
    /// First use: do the work through [`KeyedWrite::store`], then [`KeyedWrite::finish`].
    New(KeyedWrite),
    /// Seen before with the same request: send this again.
    Replay(StoredResponse),
    /// Seen before with a different request.
    Mismatch,
}

/// The open transaction of a first-use key.
pub struct KeyedWrite {
    txn: Arc<DatabaseTransaction>,
    key: String,
    store: Store,
}

impl Store {
    /// Claims `key` for `request` (method, path and body, compared byte for byte). For a new key
    /// this opens the transaction the work must run in; a concurrent request with the same key
    /// waits for it and then replays its response.
    pub async fn claim_idempotency_key(
        &self,
        key: &str,
        request: &str,
    ) -> Result<Claim, StoreError> {
        let txn = Arc::new(executor::begin(self.connection()).await?);
        let db = Executor::Transaction(txn.clone());
        let backend = db.get_database_backend();
        let cutoff = retention_cutoff();
        // Writes first: on SQLite the transaction then holds the write lock from its first
        // statement, and never has to upgrade a read lock (which could fail as busy).
        db.execute_raw(statement(
            backend,
            "DELETE FROM idempotency_keys WHERE idempotency_key = $1 AND created_at < $2",
            vec![key.into(), cutoff.into()],
        ))
        .await?;
        let inserted = db
            .execute_raw(statement(
                backend,
                "INSERT INTO idempotency_keys (idempotency_key, request, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (idempotency_key) DO NOTHING",
                vec![key.into(), request.into(), Utc::now().into()],
            ))
            .await?
            .rows_affected();
        if inserted == 1 {
            drop(db);
            return Ok(Claim::New(KeyedWrite {
                store: self.within(txn.clone()),
                txn,
                key: key.to_owned(),
            }));
        }
        let row = db
            .query_one_raw(statement(
                backend,
                "SELECT request, response FROM idempotency_keys WHERE idempotency_key = $1",
                vec![key.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::Internal(DbErr::RecordNotFound("idempotency key".into())))?;
        drop(db);
        executor::commit(exclusive(txn)?).await?;
        let stored_request: String = row.try_get("", "request").map_err(StoreError::from)?;
        if stored_request != request {
            return Ok(Claim::Mismatch);
        }
        let response: String = row.try_get("", "response").map_err(StoreError::from)?;
        serde_json::from_str(&response)
            .map(Claim::Replay)
            .map_err(|err| StoreError::Internal(DbErr::Json(err.to_string())))
    }

    /// Deletes every key older than [`RETENTION`] and returns how many; the service runs it
    /// periodically, so the table holds about a day of keys, not all of them.
    pub async fn purge_expired_idempotency_keys(&self) -> Result<u64, StoreError> {
        let backend = self.connection().get_database_backend();
        let deleted = self
            .connection()
            .execute_raw(statement(
                backend,
                "DELETE FROM idempotency_keys WHERE created_at < $1",
                vec![retention_cutoff().into()],
            ))
            .await?;
        Ok(deleted.rows_affected())
    }
}

impl KeyedWrite {
    /// The repository inside this key's transaction.
    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// Records `response` and commits it together with the work.
    pub async fn finish(self, response: &StoredResponse) -> Result<(), StoreError> {
        let Self { txn, key, store } = self;
        drop(store);
        let json = serde_json::to_string(response).expect("a response serializes");
        let db = Executor::Transaction(txn.clone());
        db.execute_raw(statement(
            db.get_database_backend(),
            "UPDATE idempotency_keys SET response = $1 WHERE idempotency_key = $2",
            vec![json.into(), key.into()],
        ))
        .await?;
        drop(db);
        executor::commit(exclusive(txn)?)
            .await
            .map_err(StoreError::from)
    }

    /// Undoes the work and forgets the key (a failure the client should be able to retry).
    pub async fn abandon(self) -> Result<(), StoreError> {
        let Self { txn, store, .. } = self;
        drop(store);
        exclusive(txn)?.rollback().await.map_err(StoreError::from)
    }
}

/// The transaction, once the request that used it has let go of it.
fn exclusive(txn: Arc<DatabaseTransaction>) -> Result<DatabaseTransaction, StoreError> {
    Arc::try_unwrap(txn).map_err(|_| {
        StoreError::Internal(DbErr::Custom(
            "the request still holds its transaction".into(),
        ))
    })
}

/// Keys created before this have expired.
fn retention_cutoff() -> chrono::DateTime<Utc> {
    Utc::now() - chrono::Duration::from_std(RETENTION).expect("24 h fits")
}

/// `$n` placeholders as each backend spells them.
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => (1..=values.len())
            .rev()
            .fold(sql.to_owned(), |sql, n| sql.replace(&format!("${n}"), "?")),
    };
    Statement::from_sql_and_values(backend, sql, values)
}
