//! The JSON shapes of the API and the constraints the OpenAPI document states for them.
//! The constraints are documentation for clients and generators; the domain types enforce them.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type};
use poem_openapi::{Object, types::Example};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::domain::{NAME_MAX_CHARS, Product, ProductName, RuleViolation};

/// The name rules as a JSON Schema pattern (no look-around, so every generator can use it):
/// no control characters; no white space at either end; not `.` or `..`.
/// `X` = white space or control, `C` = control:
/// `[^X.]` | `[^X.][^X]` | `\.[^X.]` | `[^X][^C]+[^X]`.
pub const NAME_PATTERN: &str = concat!(
    r"^(?:[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000.]",
    r"|[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000.][^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]",
    r"|\.[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000.]",
    r"|[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]+[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])$"
);

/// A product name as it arrives (path, query or body), before the domain checks it.
/// (Empty by default: the legacy decoder's "no name", which the rules refuse.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct NameInput(pub String);

impl NameInput {
    /// Applies the name rules; `field` is the name the client used for this input.
    pub fn parse(&self, field: &'static str) -> Result<ProductName, RuleViolation> {
        ProductName::parse(&self.0, field)
    }
}

impl Type for NameInput {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "ProductName".into()
    }

    /// A named component, so that every operation and body refers to the one `ProductName`
    /// schema (generators then write one type for it, not one per parameter).
    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Reference(Self::name().into_owned())
    }

    fn register(registry: &mut Registry) {
        registry.create_schema::<Self, _>(Self::name().into_owned(), |_| MetaSchema {
            title: Some("ProductName".to_owned()),
            description: Some(
                "A product's key: 1–128 characters; no control characters, no leading or \
                 trailing white space, not `.` or `..`; case-sensitive. In a path, \
                 percent-encode it (`/` is `%2F`).",
            ),
            min_length: Some(1),
            max_length: Some(NAME_MAX_CHARS),
            pattern: Some(NAME_PATTERN.to_owned()),
            example: Some(Value::from("ball")),
            ..MetaSchema::new("string")
        });
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

impl ParseFromParameter for NameInput {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Ok(Self(value.to_owned()))
    }
}

impl ParseFromJSON for NameInput {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(name)) => Ok(Self(name)),
            other => Err(poem_openapi::types::ParseError::expected_type(
                other.unwrap_or_default(),
            )),
        }
    }
}

impl ToJSON for NameInput {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

/// A product.
// Serialised by serde in responses (`api::json`); the two derives share the field names.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(rename = "Product", example)]
pub struct ProductView {
    pub name: String,
    /// 0 – 2147483647.
    pub quantity: i64,
    /// 1 on create, +1 on every change; the `ETag` is this number in quotes.
    pub version: i64,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
}

/// A timestamp as poem-openapi's `ToJSON` writes one (`to_rfc3339`: `+00:00`, sub-seconds as
/// stored), so that serde's body is the one the document describes.
fn rfc3339<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339())
}

impl From<Product> for ProductView {
    fn from(p: Product) -> Self {
        Self {
            name: p.name.into_string(),
            quantity: p.quantity.get(),
            version: p.version.0,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

impl Example for ProductView {
    fn example() -> Self {
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678901Z")
            .expect("constant timestamp parses")
            .to_utc();
        Self {
            name: "ball".into(),
            quantity: 4,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }
}

/// One page of products in name order.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(rename = "ProductPage", example)]
pub struct ProductPage {
    pub items: Vec<ProductView>,
    /// Pass as `after` to get the next page; null when this page is the last.
    pub next_after: Option<String>,
}

impl Example for ProductPage {
    fn example() -> Self {
        Self {
            items: vec![ProductView::example()],
            next_after: None,
        }
    }
}

/// A product to create.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename = "NewProduct", example)]
pub struct NewProduct {
    pub name: NameInput,
    #[oai(validator(minimum(value = "0"), maximum(value = "2147483647")))]
    pub quantity: i64,
}

impl Example for NewProduct {
    fn example() -> Self {
        Self {
            name: NameInput("ball".into()),
            quantity: 4,
        }
    }
}

/// The new stock level of a product.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename = "QuantityUpdate", example)]
pub struct QuantityUpdate {
    #[oai(validator(minimum(value = "0"), maximum(value = "2147483647")))]
    pub quantity: i64,
}

impl Example for QuantityUpdate {
    fn example() -> Self {
        Self { quantity: 5 }
    }
}

/// A change to apply to a product's quantity.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename = "Adjustment", example)]
pub struct Adjustment {
    /// Non-zero; the result must stay within 0 – 2147483647 or nothing changes (409).
    #[oai(validator(minimum(value = "-2147483647"), maximum(value = "2147483647")))]
    pub delta: i64,
}

impl Example for Adjustment {
    fn example() -> Self {
        Self { delta: -1 }
    }
}

/// Health status.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(rename = "Health")]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented pattern and the domain rule agree on every interesting case.
    #[test]
    fn pattern_matches_exactly_what_the_domain_accepts() {
        let pattern = regex::Regex::new(NAME_PATTERN).expect("pattern compiles");
        let long = "x".repeat(NAME_MAX_CHARS);
        let cases = [
            "a",
            "ab",
            "abc",
            ".",
            "..",
            "...",
            ".a",
            "a.",
            "a b",
            " a",
            "a ",
            "\u{a0}x",
            "x\u{3000}",
            "a\u{0}b",
            "a\u{85}b",
            "a\u{7f}",
            "\u{1f388}",
            "a/b",
            "%2F",
            "é",
            "\u{2028}",
            "x\u{200b}",
            "\t",
            "a\tb",
            long.as_str(),
        ];
        for case in cases {
            let domain_accepts = ProductName::parse(case, "name").is_ok();
            assert_eq!(
                pattern.is_match(case),
                domain_accepts,
                "disagree on {case:?}"
            );
        }
    }

    proptest::proptest! {
        /// Fuzz: for any string (biased towards the awkward characters), the name rule never
        /// panics and accepts exactly what the documented schema (pattern + length) accepts.
        #[test]
        fn name_rule_equals_documented_schema(
            raw in proptest::string::string_regex(
                "[ a.\\t\\n\\x00\\x7f\\u{85}\\u{a0}\\u{2028}\\u{3000}é🎈/%?#x]{0,130}"
            ).unwrap()
        ) {
            let pattern = regex::Regex::new(NAME_PATTERN).unwrap();
            let chars = raw.chars().count();
            let documented = (1..=NAME_MAX_CHARS).contains(&chars) && pattern.is_match(&raw);
            proptest::prop_assert_eq!(ProductName::parse(&raw, "name").is_ok(), documented);
        }

        #[test]
        fn name_rule_never_panics_on_any_string(raw in ".*") {
            let _ = ProductName::parse(&raw, "name");
        }
    }
}
