//! Entity tags and the conditional request headers (RFC 9110 §8.8.3, §13.1.1–2).

use poem_openapi::param::Header;

use crate::domain::{Version, VersionMatch};

/// The strong entity tag of a product version: `"3"`.
pub fn etag(version: Version) -> String {
    format!("\"{}\"", version.0)
}

/// How an entity-tag list is compared with the current tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `If-Match`: a weak tag (`W/"3"`) never matches.
    Strong,
    /// `If-None-Match`: `W/"3"` matches `"3"`.
    Weak,
}

/// The condition an optional `If-Match`/`If-None-Match` header states, when it was sent.
pub fn condition(header: &Header<Option<String>>, comparison: Comparison) -> Option<VersionMatch> {
    header
        .0
        .as_deref()
        .map(|value| parse_condition(value, comparison))
}

/// Parses an `If-Match`/`If-None-Match` value. Tags that are not one of ours are kept as
/// "matches nothing", so `If-Match: "abc"` fails as it should.
pub fn parse_condition(header: &str, comparison: Comparison) -> VersionMatch {
    if header.trim() == "*" {
        return VersionMatch::Any;
    }
    let versions = header
        .split(',')
        .filter_map(|tag| {
            let tag = tag.trim();
            let (weak, tag) = match tag.strip_prefix("W/") {
                Some(rest) => (true, rest),
                None => (false, tag),
            };
            if weak && comparison == Comparison::Strong {
                return None;
            }
            let digits = tag.strip_prefix('"')?.strip_suffix('"')?;
            digits.parse::<i64>().ok().map(Version)
        })
        .collect();
    VersionMatch::OneOf(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_stars_and_weak_tags() {
        use Comparison::*;
        assert_eq!(parse_condition(" * ", Strong), VersionMatch::Any);
        assert_eq!(
            parse_condition(r#""1", W/"2" ,"3""#, Strong),
            VersionMatch::OneOf(vec![Version(1), Version(3)])
        );
        assert_eq!(
            parse_condition(r#"W/"2""#, Weak),
            VersionMatch::OneOf(vec![Version(2)])
        );
        assert_eq!(
            parse_condition("3, \"x\"", Weak),
            VersionMatch::OneOf(vec![])
        );
    }

    #[test]
    fn etag_is_the_quoted_version() {
        assert_eq!(etag(Version(42)), "\"42\"");
    }
}
