//! The original's request body, decoded the way Go's `encoding/json` decoded it into
//! `struct { Name string; Quantity int \`json:"quantity"\` }`: keys match case-insensitively
//! (`"name"` works for `"Name"`), a later key overrides an earlier one, unknown keys and `null`
//! are ignored, and a missing quantity is 0.

use std::fmt;

use poem_openapi::Object;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::api::schema::NameInput;
use crate::domain::{ProductName, Quantity, RuleViolation};

/// A request body of the seed-compatible API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Object)]
#[oai(rename = "LegacyProductInput")]
pub struct LegacyInput {
    // Not an `Option`: a body without a name is refused (422), so the document says required.
    /// The product name (`name` is accepted too; keys match case-insensitively).
    #[oai(rename = "Name")]
    pub name: NameInput,
    // `api::openapi` marks this nullable, which poem-openapi cannot express.
    /// Defaults to 0; `null` counts as absent.
    #[oai(validator(minimum(value = "0"), maximum(value = "2147483647")))]
    pub quantity: Option<i64>,
}

impl LegacyInput {
    /// Applies the product rules to the decoded fields.
    pub fn parse(&self) -> Result<(ProductName, Quantity), RuleViolation> {
        let name = self.name.parse("Name")?;
        let quantity = Quantity::parse(self.quantity.unwrap_or(0), "quantity")?;
        Ok((name, quantity))
    }
}

impl<'de> Deserialize<'de> for LegacyInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(InputVisitor)
    }
}

struct InputVisitor;

impl<'de> Visitor<'de> for InputVisitor {
    type Value = LegacyInput;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"an object like {"Name":"ball","quantity":4}"#)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LegacyInput, A::Error> {
        let mut input = LegacyInput::default();
        while let Some(key) = map.next_key::<String>()? {
            if key.eq_ignore_ascii_case("name") {
                if let Some(name) = map.next_value::<Option<String>>()? {
                    input.name = NameInput(name);
                }
            } else if key.eq_ignore_ascii_case("quantity") {
                if let Some(quantity) = map.next_value::<Option<i64>>()? {
                    input.quantity = Some(quantity);
                }
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        Ok(input)
    }
}

/// A product as the original wrote it: `{"Name":"ball","quantity":4}`, in that field order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Object)]
#[oai(rename = "LegacyProduct")]
pub struct LegacyProduct {
    #[serde(rename = "Name")]
    #[oai(rename = "Name")]
    pub name: String,
    pub quantity: i64,
}

impl LegacyProduct {
    pub fn new(name: &ProductName, quantity: Quantity) -> Self {
        Self {
            name: name.to_string(),
            quantity: quantity.get(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::body::parse;

    fn decode(json: &str) -> LegacyInput {
        parse::<LegacyInput>(json.as_bytes()).expect("decodes")
    }

    #[test]
    fn keys_match_case_insensitively_and_the_last_wins() {
        let input = decode(r#"{"name":"a","QUANTITY":2,"Name":"b","extra":[1]}"#);
        assert_eq!(input.parse().unwrap().0.as_str(), "b");
        assert_eq!(input.quantity, Some(2));
    }

    #[test]
    fn missing_quantity_is_zero_and_null_is_ignored() {
        let input = decode(r#"{"Name":"ball","quantity":null}"#);
        assert_eq!(input.parse().unwrap().1.get(), 0);
    }

    #[test]
    fn wrong_types_and_missing_names_are_errors() {
        assert!(parse::<LegacyInput>(br#"{"Name":1}"#).is_err());
        assert!(parse::<LegacyInput>(br#"{"Name":"a","quantity":1.5}"#).is_err());
        assert!(parse::<LegacyInput>(br#"[]"#).is_err());
        let missing_name = decode(r#"{"quantity":1}"#).parse().unwrap_err();
        assert_eq!(missing_name.field, "Name");
    }

    proptest::proptest! {
        /// Fuzz: the decoder never panics, whatever the bytes.
        #[test]
        fn decoding_any_bytes_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            if let Ok(input) = parse::<LegacyInput>(&bytes) {
                let _ = input.parse();
            }
        }

        /// Fuzz: keys in any letter case, in any order, with extra keys: the last `name` and the
        /// last `quantity` win, as in Go's decoder.
        #[test]
        fn the_last_key_of_any_case_wins(
            entries in proptest::collection::vec(
                (proptest::sample::select(vec!["Name", "name", "NAME", "nAmE", "quantity", "Quantity", "QUANTITY", "other"]),
                 0i64..10),
                0..8,
            )
        ) {
            let json = format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(key, n)| if key.eq_ignore_ascii_case("name") {
                        format!("\"{key}\":\"n{n}\"")
                    } else {
                        format!("\"{key}\":{n}")
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let input = parse::<LegacyInput>(json.as_bytes()).unwrap();
            let last = |field: &str| entries.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(field)).map(|(_, n)| *n);
            // No name decodes as the empty name (which the rules refuse).
            let name = Some(input.name.0).filter(|n| !n.is_empty());
            proptest::prop_assert_eq!(name, last("name").map(|n| format!("n{n}")));
            proptest::prop_assert_eq!(input.quantity, last("quantity"));
        }
    }
}
