use chrono::{DateTime, Utc};

use super::{ProductName, RuleViolation};

/// The largest quantity a product may hold (the original's `INT`).
pub const QUANTITY_MAX: i64 = i32::MAX as i64;

/// A stock level, 0 – 2147483647.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity(i64);

impl Quantity {
    pub fn parse(raw: i64, field: &'static str) -> Result<Self, RuleViolation> {
        if (0..=QUANTITY_MAX).contains(&raw) {
            Ok(Self(raw))
        } else {
            Err(RuleViolation::new(
                field,
                format!("must be between 0 and {QUANTITY_MAX}, got {raw}"),
            ))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// A change to a stock level: non-zero, at most 2147483647 either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delta(i64);

impl Delta {
    pub fn parse(raw: i64, field: &'static str) -> Result<Self, RuleViolation> {
        if raw == 0 {
            return Err(RuleViolation::new(field, "must not be 0"));
        }
        if raw.unsigned_abs() > QUANTITY_MAX.unsigned_abs() {
            return Err(RuleViolation::new(
                field,
                format!("must be between -{QUANTITY_MAX} and {QUANTITY_MAX}, got {raw}"),
            ));
        }
        Ok(Self(raw))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// Counts the successful changes of a product: 1 on create, +1 on each change.
/// Its quoted form is the product's strong entity tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub i64);

/// Which versions a conditional write or read accepts (the meaning of `If-Match`/`If-None-Match`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionMatch {
    /// Any existing version (`*`).
    Any,
    /// One of these versions; an empty list matches nothing.
    OneOf(Vec<Version>),
}

impl VersionMatch {
    pub fn matches(&self, version: Version) -> bool {
        match self {
            Self::Any => true,
            Self::OneOf(versions) => versions.contains(&version),
        }
    }
}

/// A product as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub name: ProductName,
    pub quantity: Quantity,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantity_bounds_are_inclusive() {
        assert!(Quantity::parse(0, "quantity").is_ok());
        assert!(Quantity::parse(QUANTITY_MAX, "quantity").is_ok());
        assert!(Quantity::parse(-1, "quantity").is_err());
        assert!(Quantity::parse(QUANTITY_MAX + 1, "quantity").is_err());
    }

    #[test]
    fn delta_is_non_zero_and_bounded() {
        assert!(Delta::parse(0, "delta").is_err());
        assert!(Delta::parse(-QUANTITY_MAX, "delta").is_ok());
        assert!(Delta::parse(QUANTITY_MAX, "delta").is_ok());
        assert!(Delta::parse(-QUANTITY_MAX - 1, "delta").is_err());
        assert!(
            Delta::parse(i64::MIN, "delta").is_err(),
            "abs() must not overflow"
        );
    }

    #[test]
    fn version_match() {
        assert!(VersionMatch::Any.matches(Version(7)));
        assert!(VersionMatch::OneOf(vec![Version(1), Version(7)]).matches(Version(7)));
        assert!(!VersionMatch::OneOf(vec![]).matches(Version(1)));
    }
}
