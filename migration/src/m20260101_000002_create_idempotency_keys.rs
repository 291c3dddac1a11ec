//! Stored responses of requests sent with an `Idempotency-Key` (kept 24 hours).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260101_000002_create_idempotency_keys"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let timestamp = match manager.get_database_backend() {
            DbBackend::Postgres => "TIMESTAMPTZ",
            _ => "TEXT",
        };
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE TABLE idempotency_keys (
                idempotency_key TEXT NOT NULL PRIMARY KEY,
                request TEXT NOT NULL,
                response TEXT,
                created_at {timestamp} NOT NULL
            )"
        ))
        .await?;
        db.execute_unprepared(
            "CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE IF EXISTS idempotency_keys")
            .await
            .map(drop)
    }
}
