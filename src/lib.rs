//! products-api: a product-inventory REST service.
//!
//! A request flows one way: listener → middleware (metrics, problem errors, timeout, body
//! limit) → handler in [`api`] (parses input into [`domain`] types) → [`store`] (one statement
//! or transaction) → response.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod shutdown;
pub mod slow_clients;
pub mod store;
pub mod telemetry;

/// Facts about this build.
pub mod build {
    /// The git commit this binary was built from.
    pub const REVISION: &str = env!("GIT_REVISION");
}
