//! Schema migrations for products-api, shared by SQLite and PostgreSQL.
//!
//! Run by the service on start (`MIGRATE_ON_START`), by `products-api migrate …`, or on their own
//! with `cargo run -p migration --features cli -- up`.

pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod m20260101_000001_create_products;
pub use m20260101_000001_create_products::{NAME_CONTROL_RANGES, NAME_WHITE_SPACE_RANGES};
mod m20260101_000002_create_idempotency_keys;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_create_products::Migration),
            Box::new(m20260101_000002_create_idempotency_keys::Migration),
        ]
    }
}
