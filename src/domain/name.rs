use std::fmt;

use super::RuleViolation;

/// The longest name, in Unicode scalar values.
pub const NAME_MAX_CHARS: usize = 128;

/// A product's key: 1–128 scalar values, no control characters, no surrounding white space,
/// not `.` or `..` (which would be unreachable as a path segment). Case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProductName(String);

impl ProductName {
    /// Checks `raw` against the name rules; `field` names the input in the error.
    pub fn parse(raw: &str, field: &'static str) -> Result<Self, RuleViolation> {
        let violation = |reason: &str| Err(RuleViolation::new(field, reason));
        let chars = raw.chars().count();
        if chars == 0 {
            return violation("must not be empty");
        }
        if chars > NAME_MAX_CHARS {
            return violation(&format!(
                "must be at most {NAME_MAX_CHARS} characters, got {chars}"
            ));
        }
        if raw.chars().any(char::is_control) {
            return violation("must not contain control characters");
        }
        if raw.starts_with(char::is_whitespace) || raw.ends_with(char::is_whitespace) {
            return violation("must not start or end with white space");
        }
        if raw == "." || raw == ".." {
            return violation("must not be `.` or `..`");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for ProductName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(raw: &str) -> bool {
        ProductName::parse(raw, "name").is_ok()
    }

    #[test]
    fn accepts_any_inner_character_that_is_not_control() {
        for raw in [
            "ball",
            "a/b",
            "100%",
            "a?b#c",
            "two words",
            "café",
            "🎈",
            "ǅ",
            ".a",
            "...",
        ] {
            assert!(accepts(raw), "{raw:?} should be accepted");
        }
        assert!(accepts(&"x".repeat(NAME_MAX_CHARS)));
        assert!(
            accepts(&"é".repeat(NAME_MAX_CHARS)),
            "the limit counts characters, not bytes"
        );
    }

    #[test]
    fn rejects_what_the_contract_forbids() {
        for raw in [
            "",
            " a",
            "a ",
            "\u{a0}a",
            "a\u{3000}",
            "a\u{0}b",
            "a\nb",
            "a\u{7f}",
            "a\u{85}b",
            ".",
            "..",
        ] {
            assert!(!accepts(raw), "{raw:?} should be rejected");
        }
        assert!(!accepts(&"x".repeat(NAME_MAX_CHARS + 1)));
    }

    #[test]
    fn the_error_names_the_field() {
        let err = ProductName::parse("", "Name").unwrap_err();
        assert_eq!(err.field, "Name");
        assert_eq!(err.to_string(), "Name: must not be empty");
    }
}
