//! A borrowed JSON tree for validation: strings and numbers point into the request body
//! (copied only when they contain escapes), objects keep every key in order.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// serde_json's marker for a number kept as text (the `arbitrary_precision` feature).
pub const NUMBER_TOKEN: &str = "$serde_json::private::Number";

#[derive(Debug, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    /// The number exactly as written.
    Number(Cow<'a, str>),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl Json<'_> {
    pub fn is_integer_token(&self) -> bool {
        matches!(self, Json::Number(n) if !n.contains(['.', 'e', 'E']))
    }

    /// Equality with a manifest value (literal and enum members are scalars).
    pub fn equals(&self, other: &serde_json::Value) -> bool {
        match (self, other) {
            (Json::Null, serde_json::Value::Null) => true,
            (Json::Bool(a), serde_json::Value::Bool(b)) => a == b,
            (Json::String(a), serde_json::Value::String(b)) => a == b,
            (Json::Number(a), serde_json::Value::Number(b)) => {
                a.as_ref() == b.as_str()
                    || (self.is_integer_token()
                        && a.parse::<i128>().ok() == b.as_str().parse::<i128>().ok())
            }
            _ => false,
        }
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(Cow::Owned(v.to_string())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(Cow::Owned(v.to_string())))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json<'de>, E> {
        Ok(Json::Number(Cow::Owned(v.to_string())))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut pairs = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if key.0 == NUMBER_TOKEN && pairs.is_empty() {
                let text: Key<'de> = map.next_value()?;
                return Ok(Json::Number(text.0));
            }
            pairs.push((key.0, map.next_value()?));
        }
        Ok(Json::Object(pairs))
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

/// A string borrowed from the input when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_text_and_strings_borrow() {
        let body = br#"{"a": 18446744073709551616, "b": [1.50, "x"], "c": "q\"z", "a": null}"#;
        let value: Json<'_> = serde_json::from_slice(body).unwrap();
        let Json::Object(pairs) = &value else {
            panic!()
        };
        assert_eq!(
            pairs[0].1,
            Json::Number(Cow::Borrowed("18446744073709551616"))
        );
        assert!(
            matches!(&pairs[1].1, Json::Array(items) if items[0] == Json::Number("1.50".into()))
        );
        assert!(
            matches!(&pairs[1].1, Json::Array(items) if matches!(items[1], Json::String(Cow::Borrowed("x"))))
        );
        assert_eq!(pairs[2].1, Json::String("q\"z".into()));
        assert_eq!(pairs[3], ("a".into(), Json::Null)); // duplicates are all kept, in order
    }
}
