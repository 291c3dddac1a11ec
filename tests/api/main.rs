//! Integration tests: the real service over HTTP, on SQLite and on PostgreSQL.
//! PostgreSQL must be reachable (see `helpers::pg_admin_url`); these tests never skip.

mod helpers;

mod adoption;
mod bad_input;
mod command_line;
mod concurrency;
mod faults;
mod idempotency;
mod metrics;
mod migrations;
mod openapi_document;
mod operations;
mod ordering;
mod otlp;
mod persistence;
mod resilience;
mod rust_client;
mod seed_compatible;
mod telemetry;
mod v1_products;
