//! Where the repository's statements run: the pool, or a transaction shared by one request
//! (an idempotent write records its response in the same transaction as the change). Every
//! statement that passes here gets its database client span.

use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement, TransactionTrait,
};

use crate::telemetry::database::StatementSpan;

#[derive(Debug, Clone)]
pub enum Executor {
    Pool(DatabaseConnection),
    Transaction(Arc<DatabaseTransaction>),
}

impl Executor {
    fn system(&self) -> &'static str {
        system_name(self.get_database_backend())
    }
}

/// Opens a transaction on `db`, traced like a statement.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    StatementSpan::start(system_name(db.get_database_backend()), "BEGIN")
        .around(db.begin())
        .await
}

/// Commits `txn`, traced like a statement.
pub async fn commit(txn: DatabaseTransaction) -> Result<(), DbErr> {
    StatementSpan::start(system_name(txn.get_database_backend()), "COMMIT")
        .around(txn.commit())
        .await
}

/// `db.system.name` as the OpenTelemetry conventions spell it.
fn system_name(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "postgresql",
        DbBackend::Sqlite => "sqlite",
        _ => "other_sql",
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Executor {
    fn get_database_backend(&self) -> DbBackend {
        match self {
            Self::Pool(db) => db.get_database_backend(),
            Self::Transaction(txn) => txn.get_database_backend(),
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let span = StatementSpan::start(self.system(), &stmt.sql);
        match self {
            Self::Pool(db) => span.around(db.execute_raw(stmt)).await,
            Self::Transaction(txn) => span.around(txn.execute_raw(stmt)).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let span = StatementSpan::start(self.system(), sql);
        match self {
            Self::Pool(db) => span.around(db.execute_unprepared(sql)).await,
            Self::Transaction(txn) => span.around(txn.execute_unprepared(sql)).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let span = StatementSpan::start(self.system(), &stmt.sql);
        match self {
            Self::Pool(db) => span.around(db.query_one_raw(stmt)).await,
            Self::Transaction(txn) => span.around(txn.query_one_raw(stmt)).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let span = StatementSpan::start(self.system(), &stmt.sql);
        match self {
            Self::Pool(db) => span.around(db.query_all_raw(stmt)).await,
            Self::Transaction(txn) => span.around(txn.query_all_raw(stmt)).await,
        }
    }

    fn support_returning(&self) -> bool {
        match self {
            Self::Pool(db) => db.support_returning(),
            Self::Transaction(txn) => txn.support_returning(),
        }
    }
}
