//! Request-body JSON as Elasticsearch reads it: a repeated key in an object is an error
//! (Jackson's `STRICT_DUPLICATE_DETECTION`, which Elasticsearch turns on), never "the last one
//! wins", so that a filter in front of the node that reads the first value cannot be shown one
//! thing while the node applies another. Errors carry the line and column, as Elasticsearch's
//! `x_content_parse_exception` reasons do.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A body that is not acceptable JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[{line}:{column}] {message}")]
pub struct JsonError {
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem.
    pub column: usize,
    /// What is wrong (`Duplicate field 'a'`, or the parser's description).
    pub message: String,
}

/// Parses one JSON value, refusing duplicate keys at any depth and trailing content.
pub fn from_slice(bytes: &[u8]) -> Result<Value, JsonError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = StrictValue
        .deserialize(&mut deserializer)
        .and_then(|v| deserializer.end().map(|()| v))
        .map_err(|e| JsonError {
            line: e.line(),
            column: e.column(),
            message: message_of(&e),
        })?;
    Ok(value)
}

/// serde_json's text without its " at line L column C" suffix (the position is reported
/// separately).
fn message_of(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}

/// Builds a [`Value`] like serde_json's own, checking object keys for repeats.
struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        StrictValue.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(StrictValue)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("Duplicate field '{key}'")));
            }
            let value = map.next_value_seed(StrictValue)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    #[test]
    fn duplicate_keys_are_refused_at_any_depth_with_their_position() {
        let e = from_slice(br#"{"a":1,"a":2}"#).unwrap_err();
        assert_eq!(e.message, "Duplicate field 'a'");
        assert_eq!((e.line, e.column), (1, 10));
        assert_eq!(e.to_string(), "[1:10] Duplicate field 'a'");
        let e = from_slice(b"{\n \"x\": [ {\"b\": 1, \"c\": {}, \"b\": 2} ]\n}").unwrap_err();
        assert_eq!(e.message, "Duplicate field 'b'");
        assert_eq!(e.line, 2);
        // Same key in sibling objects is fine.
        assert_eq!(
            from_slice(br#"[{"a":1},{"a":2}]"#).unwrap(),
            json!([{"a":1},{"a":2}])
        );
    }

    #[test]
    fn syntax_errors_and_trailing_content_are_errors() {
        let e = from_slice(b"{\"a\":").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("EOF"), "{}", e.message);
        assert!(from_slice(b"{} {}").is_err());
        assert!(from_slice(b"").is_err());
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json_when_keys_are_unique(v in any_json()) {
            let text = serde_json::to_vec(&v).unwrap();
            prop_assert_eq!(from_slice(&text).unwrap(), v);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = from_slice(&bytes);
        }
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-zé\\\\\"]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map("[a-c]{1,2}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
