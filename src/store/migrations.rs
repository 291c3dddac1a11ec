//! Applying the `migration` crate's migrations, safely when several replicas start at once.

use migration::{IntoSchemaManagerConnection, MigrationStatus, Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, TransactionTrait};

/// What `products-api migrate …` (or start-up) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Apply every pending migration.
    Up,
    /// Roll back the last applied migration.
    Down,
    /// Drop every table, then apply all migrations (destroys data).
    Fresh,
}

/// An arbitrary constant naming this service's migration lock among PostgreSQL advisory locks.
const MIGRATION_LOCK_KEY: i64 = 0x7072_6f64_7563_7473; // "products"

/// Runs `action`. On PostgreSQL the whole run holds a transaction-scoped advisory lock, so when
/// three replicas start together against an empty database one migrates and the others wait, then
/// find nothing pending. (sea-orm-migration takes no lock of its own.)
pub async fn run(db: &DatabaseConnection, action: Action) -> Result<(), DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute_unprepared(&format!(
                "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
            ))
            .await?;
            apply(&txn, action).await?;
            txn.commit().await
        }
        _ => apply(db, action).await,
    }
}

async fn apply<'c>(db: impl IntoSchemaManagerConnection<'c>, action: Action) -> Result<(), DbErr> {
    match action {
        Action::Up => Migrator::up(db, None).await,
        Action::Down => Migrator::down(db, Some(1)).await,
        Action::Fresh => Migrator::fresh(db).await,
    }
}

/// Each known migration's name and whether it has been applied (creates nothing).
pub async fn status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    Ok(Migrator::get_migration_with_status_read_only(db)
        .await?
        .iter()
        .map(|m| (m.name().to_owned(), m.status() == MigrationStatus::Applied))
        .collect())
}

/// True when every migration the binary knows has been applied (readiness).
pub async fn all_applied(db: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(Migrator::get_pending_migrations_read_only(db)
        .await?
        .is_empty())
}
