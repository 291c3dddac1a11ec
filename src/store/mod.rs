//! Persistence: the sea-orm entity, the connection pool, migrations and the product repository.
//! Every write is one statement (or one transaction); nothing is read, changed and written back.

mod entity;
mod error;
mod executor;
pub mod idempotency;
pub mod migrations;
pub mod pool;
mod products;

pub use error::StoreError;
pub use pool::PoolSettings;
pub use products::{PutOutcome, Store};
