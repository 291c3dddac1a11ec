//! Product rules, independent of HTTP and SQL: a value of these types is valid everywhere.

mod name;
mod product;

pub use name::{NAME_MAX_CHARS, ProductName};
pub use product::{Delta, Product, QUANTITY_MAX, Quantity, Version, VersionMatch};

/// A value that breaks one of the product rules; `field` names the input it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct RuleViolation {
    pub field: &'static str,
    pub reason: String,
}

impl RuleViolation {
    pub(crate) fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}
